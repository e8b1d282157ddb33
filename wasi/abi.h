/* wasi/abi.h - wasi_snapshot_preview1 ABI numbers: errno, rights, flags, enums, layouts.
 *
 * Numbers only, no logic (behaviour lives in the handlers).  Values and byte offsets follow
 * the witx of wasi_snapshot_preview1
 * (https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/witx/typenames.witx).
 */
#ifndef CHIBI_WASI_ABI_H
#define CHIBI_WASI_ABI_H

/* errno (u16) */
#define WASI_ESUCCESS        0
#define WASI_E2BIG           1
#define WASI_EACCES          2
#define WASI_EADDRINUSE      3
#define WASI_EADDRNOTAVAIL   4
#define WASI_EAFNOSUPPORT    5
#define WASI_EAGAIN          6
#define WASI_EALREADY        7
#define WASI_EBADF           8
#define WASI_EBADMSG         9
#define WASI_EBUSY           10
#define WASI_ECANCELED       11
#define WASI_ECHILD          12
#define WASI_ECONNABORTED    13
#define WASI_ECONNREFUSED    14
#define WASI_ECONNRESET      15
#define WASI_EDEADLK         16
#define WASI_EDESTADDRREQ    17
#define WASI_EDOM            18
#define WASI_EDQUOT          19
#define WASI_EEXIST          20
#define WASI_EFAULT          21
#define WASI_EFBIG           22
#define WASI_EHOSTUNREACH    23
#define WASI_EIDRM           24
#define WASI_EILSEQ          25
#define WASI_EINPROGRESS     26
#define WASI_EINTR           27
#define WASI_EINVAL          28
#define WASI_EIO             29
#define WASI_EISCONN         30
#define WASI_EISDIR          31
#define WASI_ELOOP           32
#define WASI_EMFILE          33
#define WASI_EMLINK          34
#define WASI_EMSGSIZE        35
#define WASI_EMULTIHOP       36
#define WASI_ENAMETOOLONG    37
#define WASI_ENETDOWN        38
#define WASI_ENETRESET       39
#define WASI_ENETUNREACH     40
#define WASI_ENFILE          41
#define WASI_ENOBUFS         42
#define WASI_ENODEV          43
#define WASI_ENOENT          44
#define WASI_ENOEXEC         45
#define WASI_ENOLCK          46
#define WASI_ENOLINK         47
#define WASI_ENOMEM          48
#define WASI_ENOMSG          49
#define WASI_ENOPROTOOPT     50
#define WASI_ENOSPC          51
#define WASI_ENOSYS          52
#define WASI_ENOTCONN        53
#define WASI_ENOTDIR         54
#define WASI_ENOTEMPTY       55
#define WASI_ENOTRECOVERABLE 56
#define WASI_ENOTSOCK        57
#define WASI_ENOTSUP         58
#define WASI_ENOTTY          59
#define WASI_ENXIO           60
#define WASI_EOVERFLOW       61
#define WASI_EOWNERDEAD      62
#define WASI_EPERM           63
#define WASI_EPIPE           64
#define WASI_EPROTO          65
#define WASI_EPROTONOSUPPORT 66
#define WASI_EPROTOTYPE      67
#define WASI_ERANGE          68
#define WASI_EROFS           69
#define WASI_ESPIPE          70
#define WASI_ESRCH           71
#define WASI_ESTALE          72
#define WASI_ETIMEDOUT       73
#define WASI_ETXTBSY         74
#define WASI_EXDEV           75
#define WASI_ENOTCAPABLE     76

/* rights (u64) */
#define WASI_RIGHT_FD_DATASYNC             (1ull << 0)
#define WASI_RIGHT_FD_READ                 (1ull << 1)
#define WASI_RIGHT_FD_SEEK                 (1ull << 2)
#define WASI_RIGHT_FD_FDSTAT_SET_FLAGS     (1ull << 3)
#define WASI_RIGHT_FD_SYNC                 (1ull << 4)
#define WASI_RIGHT_FD_TELL                 (1ull << 5)
#define WASI_RIGHT_FD_WRITE                (1ull << 6)
#define WASI_RIGHT_FD_ADVISE               (1ull << 7)
#define WASI_RIGHT_FD_ALLOCATE             (1ull << 8)
#define WASI_RIGHT_PATH_CREATE_DIRECTORY   (1ull << 9)
#define WASI_RIGHT_PATH_CREATE_FILE        (1ull << 10)
#define WASI_RIGHT_PATH_LINK_SOURCE        (1ull << 11)
#define WASI_RIGHT_PATH_LINK_TARGET        (1ull << 12)
#define WASI_RIGHT_PATH_OPEN               (1ull << 13)
#define WASI_RIGHT_FD_READDIR              (1ull << 14)
#define WASI_RIGHT_PATH_READLINK           (1ull << 15)
#define WASI_RIGHT_PATH_RENAME_SOURCE      (1ull << 16)
#define WASI_RIGHT_PATH_RENAME_TARGET      (1ull << 17)
#define WASI_RIGHT_PATH_FILESTAT_GET       (1ull << 18)
#define WASI_RIGHT_PATH_FILESTAT_SET_SIZE  (1ull << 19)
#define WASI_RIGHT_PATH_FILESTAT_SET_TIMES (1ull << 20)
#define WASI_RIGHT_FD_FILESTAT_GET         (1ull << 21)
#define WASI_RIGHT_FD_FILESTAT_SET_SIZE    (1ull << 22)
#define WASI_RIGHT_FD_FILESTAT_SET_TIMES   (1ull << 23)
#define WASI_RIGHT_PATH_SYMLINK            (1ull << 24)
#define WASI_RIGHT_PATH_REMOVE_DIRECTORY   (1ull << 25)
#define WASI_RIGHT_PATH_UNLINK_FILE        (1ull << 26)
#define WASI_RIGHT_POLL_FD_READWRITE       (1ull << 27)
#define WASI_RIGHT_SOCK_SHUTDOWN           (1ull << 28)
#define WASI_RIGHT_SOCK_ACCEPT             (1ull << 29)
#define WASI_RIGHTS_ALL                    ((1ull << 30) - 1)

/* Rights that change the file system; stripped from read-only preopens and everything
 * opened beneath them. */
#define WASI_RIGHTS_WRITE_ALL                                                           \
	(WASI_RIGHT_FD_DATASYNC | WASI_RIGHT_FD_WRITE | WASI_RIGHT_FD_ALLOCATE |          \
	 WASI_RIGHT_PATH_CREATE_DIRECTORY | WASI_RIGHT_PATH_CREATE_FILE |                 \
	 WASI_RIGHT_PATH_LINK_SOURCE | WASI_RIGHT_PATH_LINK_TARGET |                      \
	 WASI_RIGHT_PATH_RENAME_SOURCE | WASI_RIGHT_PATH_RENAME_TARGET |                  \
	 WASI_RIGHT_PATH_FILESTAT_SET_SIZE | WASI_RIGHT_PATH_FILESTAT_SET_TIMES |         \
	 WASI_RIGHT_FD_FILESTAT_SET_SIZE | WASI_RIGHT_FD_FILESTAT_SET_TIMES |             \
	 WASI_RIGHT_PATH_SYMLINK | WASI_RIGHT_PATH_REMOVE_DIRECTORY |                     \
	 WASI_RIGHT_PATH_UNLINK_FILE)

/* What a directory fd can do: path-relative calls, listing, stat, times and sync.  No
 * byte I/O, seeking, sizes, advice or fd flags (those calls answer EBADF on a directory). */
#define WASI_RIGHTS_DIR                                                                 \
	(WASI_RIGHT_FD_DATASYNC | WASI_RIGHT_FD_SYNC | WASI_RIGHT_PATH_CREATE_DIRECTORY |  \
	 WASI_RIGHT_PATH_CREATE_FILE | WASI_RIGHT_PATH_LINK_SOURCE |                      \
	 WASI_RIGHT_PATH_LINK_TARGET | WASI_RIGHT_PATH_OPEN | WASI_RIGHT_FD_READDIR |     \
	 WASI_RIGHT_PATH_READLINK | WASI_RIGHT_PATH_RENAME_SOURCE |                       \
	 WASI_RIGHT_PATH_RENAME_TARGET | WASI_RIGHT_PATH_FILESTAT_GET |                   \
	 WASI_RIGHT_PATH_FILESTAT_SET_SIZE | WASI_RIGHT_PATH_FILESTAT_SET_TIMES |         \
	 WASI_RIGHT_FD_FILESTAT_GET | WASI_RIGHT_FD_FILESTAT_SET_TIMES |                  \
	 WASI_RIGHT_PATH_SYMLINK | WASI_RIGHT_PATH_REMOVE_DIRECTORY |                     \
	 WASI_RIGHT_PATH_UNLINK_FILE | WASI_RIGHT_POLL_FD_READWRITE)

/* What any non-directory opened by path can do (regular files, devices, fifos): byte I/O,
 * seeking, stat, sizes, times, flags, advice.  Nothing path-relative. */
#define WASI_RIGHTS_FILE                                                                \
	(WASI_RIGHT_FD_DATASYNC | WASI_RIGHT_FD_READ | WASI_RIGHT_FD_SEEK |               \
	 WASI_RIGHT_FD_FDSTAT_SET_FLAGS | WASI_RIGHT_FD_SYNC | WASI_RIGHT_FD_TELL |       \
	 WASI_RIGHT_FD_WRITE | WASI_RIGHT_FD_ADVISE | WASI_RIGHT_FD_ALLOCATE |            \
	 WASI_RIGHT_FD_FILESTAT_GET | WASI_RIGHT_FD_FILESTAT_SET_SIZE |                   \
	 WASI_RIGHT_FD_FILESTAT_SET_TIMES | WASI_RIGHT_POLL_FD_READWRITE)

/* A tty must not look seekable: wasi-libc's isatty() checks for missing seek/tell. */
#define WASI_RIGHTS_TTY (WASI_RIGHTS_FILE & ~(WASI_RIGHT_FD_SEEK | WASI_RIGHT_FD_TELL))

/* Inherited stdio (fds 0-2) is a character stream whatever the host object behind it is
 * (a tty, a pipe, a file, a directory given as `< dir`): bytes in and out, flags, stat,
 * polling.  No seeking, sizes, times or allocation, and nothing path-relative. */
#define WASI_RIGHTS_STDIO                                                               \
	(WASI_RIGHT_FD_READ | WASI_RIGHT_FD_WRITE | WASI_RIGHT_FD_FDSTAT_SET_FLAGS |      \
	 WASI_RIGHT_FD_FILESTAT_GET | WASI_RIGHT_POLL_FD_READWRITE)

/* Accepted connections: stream I/O, polling, shutdown, flags and stat. */
#define WASI_RIGHTS_SOCK                                                                \
	(WASI_RIGHT_FD_READ | WASI_RIGHT_FD_WRITE | WASI_RIGHT_POLL_FD_READWRITE |        \
	 WASI_RIGHT_SOCK_SHUTDOWN | WASI_RIGHT_FD_FDSTAT_SET_FLAGS |                      \
	 WASI_RIGHT_FD_FILESTAT_GET)
#define WASI_RIGHTS_LISTEN (WASI_RIGHTS_SOCK | WASI_RIGHT_SOCK_ACCEPT)

/* filetype (u8) */
#define WASI_FILETYPE_UNKNOWN          0
#define WASI_FILETYPE_BLOCK_DEVICE     1
#define WASI_FILETYPE_CHARACTER_DEVICE 2
#define WASI_FILETYPE_DIRECTORY        3
#define WASI_FILETYPE_REGULAR_FILE     4
#define WASI_FILETYPE_SOCKET_DGRAM     5
#define WASI_FILETYPE_SOCKET_STREAM    6
#define WASI_FILETYPE_SYMBOLIC_LINK    7

/* clockid (u32) */
#define WASI_CLOCK_REALTIME           0
#define WASI_CLOCK_MONOTONIC          1
#define WASI_CLOCK_PROCESS_CPUTIME_ID 2
#define WASI_CLOCK_THREAD_CPUTIME_ID  3

/* whence (u8) */
#define WASI_WHENCE_SET 0
#define WASI_WHENCE_CUR 1
#define WASI_WHENCE_END 2

/* advice (u8) */
#define WASI_ADVICE_NORMAL     0
#define WASI_ADVICE_SEQUENTIAL 1
#define WASI_ADVICE_RANDOM     2
#define WASI_ADVICE_WILLNEED   3
#define WASI_ADVICE_DONTNEED   4
#define WASI_ADVICE_NOREUSE    5

/* fdflags (u16) */
#define WASI_FDFLAG_APPEND   (1u << 0)
#define WASI_FDFLAG_DSYNC    (1u << 1)
#define WASI_FDFLAG_NONBLOCK (1u << 2)
#define WASI_FDFLAG_RSYNC    (1u << 3)
#define WASI_FDFLAG_SYNC     (1u << 4)
#define WASI_FDFLAGS_ALL     0x1fu

/* fstflags (u16) */
#define WASI_FSTFLAG_ATIM     (1u << 0)
#define WASI_FSTFLAG_ATIM_NOW (1u << 1)
#define WASI_FSTFLAG_MTIM     (1u << 2)
#define WASI_FSTFLAG_MTIM_NOW (1u << 3)

/* lookupflags (u32) */
#define WASI_LOOKUP_SYMLINK_FOLLOW (1u << 0)

/* oflags (u16) */
#define WASI_O_CREAT     (1u << 0)
#define WASI_O_DIRECTORY (1u << 1)
#define WASI_O_EXCL      (1u << 2)
#define WASI_O_TRUNC     (1u << 3)

/* eventtype (u8) */
#define WASI_EVENTTYPE_CLOCK    0
#define WASI_EVENTTYPE_FD_READ  1
#define WASI_EVENTTYPE_FD_WRITE 2

/* eventrwflags (u16) */
#define WASI_EVENT_FD_READWRITE_HANGUP (1u << 0)

/* subclockflags (u16) */
#define WASI_SUBSCRIPTION_CLOCK_ABSTIME (1u << 0)

/* riflags / roflags / sdflags */
#define WASI_RIFLAG_RECV_PEEK           (1u << 0)
#define WASI_RIFLAG_RECV_WAITALL        (1u << 1)
#define WASI_ROFLAG_RECV_DATA_TRUNCATED (1u << 0)
#define WASI_SDFLAG_RD                  (1u << 0)
#define WASI_SDFLAG_WR                  (1u << 1)

/* preopentype (u8) */
#define WASI_PREOPENTYPE_DIR 0

/*
 * Layouts in guest memory (little-endian, byte offsets).
 *
 *   iovec / ciovec   8 bytes   buf u32 @0, buf_len u32 @4
 *   prestat          8 bytes   tag u8 @0, dir.pr_name_len u32 @4
 *   dirent          24 bytes   d_next u64 @0, d_ino u64 @8, d_namlen u32 @16, d_type u8 @20
 *                              (the name follows the header, not NUL-terminated)
 *   fdstat          24 bytes   fs_filetype u8 @0, fs_flags u16 @2,
 *                              fs_rights_base u64 @8, fs_rights_inheriting u64 @16
 *   filestat        64 bytes   dev @0, ino @8, filetype u8 @16, nlink @24, size @32,
 *                              atim @40, mtim @48, ctim @56 (all u64 but filetype)
 *   subscription    48 bytes   userdata u64 @0, tag u8 @8, then the union at @16:
 *                                clock: id u32 @16, timeout u64 @24, precision u64 @32,
 *                                       flags u16 @40
 *                                fd_read / fd_write: file_descriptor u32 @16
 *   event           32 bytes   userdata u64 @0, error u16 @8, type u8 @10,
 *                              fd_readwrite.nbytes u64 @16, fd_readwrite.flags u16 @24
 */
#define WASI_IOVEC_SIZE        8
#define WASI_PRESTAT_SIZE      8
#define WASI_DIRENT_SIZE       24
#define WASI_FDSTAT_SIZE       24
#define WASI_FILESTAT_SIZE     64
#define WASI_SUBSCRIPTION_SIZE 48
#define WASI_EVENT_SIZE        32

#endif
