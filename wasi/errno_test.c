/* wasi/errno_test.c - the host -> WASI errno table, filetypes, and guest.h bounds helpers.
 *
 * The table is checked against the witx numbering (spot values), for completeness (every
 * row distinct, nothing maps to 0), and for the fallbacks (unknown -> EIO, the sandbox's
 * escape code -> ENOTCAPABLE).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <sys/stat.h>
#include "ctx.h"

Test(wasi_errno, spot_values_follow_the_witx)
{
	static const struct { int host; uint32_t wasi; } rows[] = {
		{ 0, 0 }, { E2BIG, 1 }, { EACCES, 2 }, { EAGAIN, 6 }, { EBADF, 8 },
		{ EEXIST, 20 }, { EFAULT, 21 }, { EINTR, 27 }, { EINVAL, 28 }, { EIO, 29 },
		{ EISDIR, 31 }, { ELOOP, 32 }, { EMFILE, 33 }, { ENAMETOOLONG, 37 },
		{ ENOENT, 44 }, { ENOMEM, 48 }, { ENOSPC, 51 }, { ENOSYS, 52 }, { ENOTCONN, 53 },
		{ ENOTDIR, 54 }, { ENOTEMPTY, 55 }, { ENOTSOCK, 57 }, { ENOTSUP, 58 },
		{ ENOTTY, 59 }, { EPERM, 63 }, { EPIPE, 64 }, { EROFS, 69 }, { ESPIPE, 70 },
		{ ETIMEDOUT, 73 }, { ETXTBSY, 74 }, { EXDEV, 75 },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		cr_expect_eq(wasi_errno(rows[i].host), rows[i].wasi, "host errno %d", rows[i].host);
}

Test(wasi_errno, aliases_negation_and_fallbacks)
{
	cr_expect_eq(wasi_errno(EWOULDBLOCK), WASI_EAGAIN);
	cr_expect_eq(wasi_errno(EOPNOTSUPP), WASI_ENOTSUP);
	cr_expect_eq(wasi_errno(-ENOENT), WASI_ENOENT, "sb_* return negated errnos");
	cr_expect_eq(wasi_errno(SB_ESCAPE), WASI_ENOTCAPABLE);
	cr_expect_eq(wasi_errno(-SB_ESCAPE), WASI_ENOTCAPABLE);
	cr_expect_eq(wasi_errno(ENOKEY), WASI_EIO, "no WASI equivalent: EIO");
	cr_expect_eq(wasi_errno(100000), WASI_EIO);
}

Test(wasi_errno, every_host_errno_maps_to_a_valid_wasi_errno)
{
	for (int e = 1; e < 4096; e++) {
		uint32_t w = wasi_errno(e);

		cr_expect(w >= 1 && w <= WASI_ENOTCAPABLE, "errno %d -> %u", e, w);
	}
}

Test(wasi_errno, filetypes)
{
	cr_expect_eq(wasi_filetype(S_IFREG | 0644), WASI_FILETYPE_REGULAR_FILE);
	cr_expect_eq(wasi_filetype(S_IFDIR), WASI_FILETYPE_DIRECTORY);
	cr_expect_eq(wasi_filetype(S_IFLNK), WASI_FILETYPE_SYMBOLIC_LINK);
	cr_expect_eq(wasi_filetype(S_IFCHR), WASI_FILETYPE_CHARACTER_DEVICE);
	cr_expect_eq(wasi_filetype(S_IFBLK), WASI_FILETYPE_BLOCK_DEVICE);
	cr_expect_eq(wasi_filetype(S_IFSOCK), WASI_FILETYPE_SOCKET_STREAM);
	cr_expect_eq(wasi_filetype(S_IFIFO), WASI_FILETYPE_UNKNOWN);
}

Test(wasi_guest, bounds_never_overflow)
{
	uint8_t mem[64];
	struct guest g = { mem, sizeof(mem) };
	struct guest none = { NULL, 0 };

	cr_expect(guest_ok(&g, 0, 64));
	cr_expect(guest_ok(&g, 64, 0), "empty range at the end is fine");
	cr_expect_not(guest_ok(&g, 64, 1));
	cr_expect_not(guest_ok(&g, 1, 64));
	cr_expect_not(guest_ok(&g, 0xffffffffu, 2));
	cr_expect_not(guest_ok(&g, 8, UINT64_MAX), "len near 2^64 must not wrap");
	cr_expect_not(guest_ok(&g, UINT64_MAX, 2));
	cr_expect_null(guest_slice(&g, 60, 8));
	cr_expect_eq(guest_slice(&g, 60, 4), mem + 60);
	cr_expect_not_null(guest_slice(&none, 0, 0), "zero length without memory");
	cr_expect_null(guest_slice(&none, 0, 1));
	cr_expect_not(guest_put_u32(&g, 61, 1));
	cr_expect(guest_put_u64(&g, 56, 0x0102030405060708ull));
	cr_expect_eq(mem[56], 0x08);
	cr_expect_eq(mem[63], 0x01);
	cr_expect_eq(ld_u64(mem + 56), 0x0102030405060708ull);
	st_u16(mem + 1, 0xbeef);
	cr_expect_eq(ld_u16(mem + 1), 0xbeef, "unaligned access is fine");
}

Test(wasi_guest, times_flags)
{
	struct timespec ts[2];

	cr_expect_eq(wasi_times(1500000000ull, 0, WASI_FSTFLAG_ATIM, ts), WASI_ESUCCESS);
	cr_expect_eq(ts[0].tv_sec, 1);
	cr_expect_eq(ts[0].tv_nsec, 500000000);
	cr_expect_eq(ts[1].tv_nsec, UTIME_OMIT);
	cr_expect_eq(wasi_times(0, 0, WASI_FSTFLAG_MTIM_NOW, ts), WASI_ESUCCESS);
	cr_expect_eq(ts[0].tv_nsec, UTIME_OMIT);
	cr_expect_eq(ts[1].tv_nsec, UTIME_NOW);
	cr_expect_eq(wasi_times(0, 0, WASI_FSTFLAG_ATIM | WASI_FSTFLAG_ATIM_NOW, ts), WASI_EINVAL);
	cr_expect_eq(wasi_times(0, 0, WASI_FSTFLAG_MTIM | WASI_FSTFLAG_MTIM_NOW, ts), WASI_EINVAL);
	cr_expect_eq(wasi_times(0, 0, 0x10, ts), WASI_EINVAL);
}
