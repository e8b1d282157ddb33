/* cli/image.c - `chibi image build`: package a wasm module (and files) as an OCI image tarball.
 *
 * Writes an OCI image layout archive (oci-layout, index.json, blobs/sha256/...) with one
 * gzip layer, importable with `ctr image import`.  Everything is reproducible: mtime 0,
 * uid/gid 0, normalized modes, sorted entries, fixed gzip header, so the same inputs give the
 * same digests.  It does not pull, push or read existing images.  Entry point: image_main().
 *
 * zlib is linked statically into the static-pie `chibi` (Makefile): its pages are touched only
 * by this command, and a shared libz.so would cost every `chibi run` its loading.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "cli.h"
#include "../util/json.h"
#include "../vm/alloc.h"
#include "../vm/sha256.h"

/* ---- growable byte buffer -------------------------------------------------------------- */

/* The tar archives and the gzip stream are built in memory (a module plus a few files):
 * sizes and digests are known before anything is written. */
struct buf {
	uint8_t *p;
	size_t len, cap;
	bool oom;      /* a growth failed: the contents are incomplete (sticky) */
};

/* Append n bytes (VM_GROW doubles the buffer); on failure only oom is set. */
static void buf_put(struct buf *b, const void *data, size_t n)
{
	if (b->oom || n == 0)
		return;
	if (n > SIZE_MAX - b->len || !VM_GROW(b->p, b->cap, b->len + n)) {
		b->oom = true;
		return;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
}

/* Hex digest of data into out[65] (the SHA-256 of vm/sha256.h, which compiled files use too). */
static void digest_hex(const uint8_t *data, size_t len, char out[65])
{
	uint8_t d[SHA256_BYTES];

	sha256(data, len, d);
	sha256_hex(d, out);
}

/* ---- tar (POSIX ustar) ------------------------------------------------------------------ */

/*
 * One 512-byte header per entry, then the data padded to 512; two zero blocks end the archive.
 *   0 name[100] 100 mode[8] 108 uid[8] 116 gid[8] 124 size[12] 136 mtime[12] 148 chksum[8]
 *   156 typeflag 157 linkname[100] 257 "ustar\0" "00" 265 uname[32] 297 gname[32]
 *   329 devmajor[8] 337 devminor[8] 345 prefix[155]
 */
static int tar_entry(struct buf *b, const char *path, char type, unsigned mode,
		     const void *data, size_t size, const char *link)
{
	uint8_t h[512] = { 0 };
	size_t n = strlen(path), split = 0;
	unsigned sum = 0;
	static const uint8_t zero[512];

	if (n > 100) {
		/* Split at a '/' so the name fits in prefix (155) + name (100). */
		for (size_t i = 0; i < n && i <= 155; i++)
			if (path[i] == '/' && n - i - 1 <= 100)
				split = i;
		if (!split) {
			fprintf(stderr, "chibi image: path too long for a tar header: %s\n", path);
			return -1;
		}
		memcpy(h + 345, path, split);
		memcpy(h, path + split + 1, n - split - 1);
	} else {
		memcpy(h, path, n);
	}
	snprintf((char *)h + 100, 8, "%07o", mode);
	snprintf((char *)h + 108, 8, "%07o", 0);
	snprintf((char *)h + 116, 8, "%07o", 0);
	snprintf((char *)h + 124, 12, "%011llo", (unsigned long long)size);
	snprintf((char *)h + 136, 12, "%011o", 0);
	memset(h + 148, ' ', 8);
	h[156] = (uint8_t)type;
	if (link)
		strncpy((char *)h + 157, link, 100);
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	snprintf((char *)h + 329, 8, "%07o", 0);
	snprintf((char *)h + 337, 8, "%07o", 0);
	for (int i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	h[155] = ' ';
	buf_put(b, h, sizeof(h));
	if (size) {
		buf_put(b, data, size);
		buf_put(b, zero, (512 - size % 512) % 512);
	}
	return 0;
}

/* The end-of-archive marker: two zero blocks. */
static void tar_end(struct buf *b)
{
	static const uint8_t zero[1024];

	buf_put(b, zero, sizeof(zero));
}

/* ---- the layer's file list -------------------------------------------------------------- */

/* One file, directory or symlink of the layer. */
struct entry {
	char *dest;     /* relative path in the layer, no leading '/' */
	char *host;     /* NULL for a directory made up from a parent path */
	char type;      /* '0' file, '5' directory, '2' symlink */
};

struct entries {
	struct entry *v;
	size_t n, cap;
};

/* Add one layer entry (paths copied).  A directory reached twice is one entry; any other
 * repeated destination is an error.  0, or -1 (reported, or out of memory). */
static int add_entry(struct entries *es, const char *dest, const char *host, char type)
{
	for (size_t i = 0; i < es->n; i++) {
		if (strcmp(es->v[i].dest, dest) == 0) {
			if (type == '5' && es->v[i].type == '5')
				return 0; /* the same directory reached twice */
			fprintf(stderr, "chibi image: %s given twice\n", dest);
			return -1;
		}
	}
	if (!VM_GROW(es->v, es->cap, es->n + 1))
		return -1;
	es->v[es->n].dest = strdup(dest);
	es->v[es->n].host = host ? strdup(host) : NULL;
	es->v[es->n].type = type;
	if (!es->v[es->n].dest || (host && !es->v[es->n].host))
		return -1;
	es->n++;
	return 0;
}

/* Add every parent directory of dest ("a/b/c" adds "a" and "a/b"). */
static int add_parents(struct entries *es, const char *dest)
{
	char tmp[4096];

	snprintf(tmp, sizeof(tmp), "%s", dest);
	for (char *p = tmp; (p = strchr(p, '/')); p++) {
		*p = 0;
		if (add_entry(es, tmp, NULL, '5'))
			return -1;
		*p = '/';
	}
	return 0;
}

/* Add host path at dest (absolute in the image); directories recursively. */
static int add_path(struct entries *es, const char *host, const char *dest)
{
	struct stat st;
	char rel[4096];

	while (*dest == '/')
		dest++;
	if (!*dest) {
		fprintf(stderr, "chibi image: %s: destination cannot be /\n", host);
		return -1;
	}
	snprintf(rel, sizeof(rel), "%s", dest);
	if (lstat(host, &st)) {
		fprintf(stderr, "chibi image: %s: %s\n", host, strerror(errno));
		return -1;
	}
	if (add_parents(es, rel))
		return -1;
	if (S_ISLNK(st.st_mode))
		return add_entry(es, rel, host, '2');
	if (S_ISREG(st.st_mode))
		return add_entry(es, rel, host, '0');
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(host);
		struct dirent *de;
		int rc = 0;

		if (!d || add_entry(es, rel, host, '5')) {
			if (d)
				closedir(d);
			fprintf(stderr, "chibi image: %s: %s\n", host, strerror(errno));
			return -1;
		}
		while (rc == 0 && (de = readdir(d))) {
			char h2[4096], d2[4096];

			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			if (snprintf(h2, sizeof(h2), "%s/%s", host, de->d_name) >= (int)sizeof(h2) ||
			    snprintf(d2, sizeof(d2), "%s/%s", rel, de->d_name) >= (int)sizeof(d2)) {
				fprintf(stderr, "chibi image: %s/%s: path too long\n", host,
					de->d_name);
				rc = -1;
				break;
			}
			rc = add_path(es, h2, d2);
		}
		closedir(d);
		return rc;
	}
	fprintf(stderr, "chibi image: %s: only files, directories and symlinks\n", host);
	return -1;
}

/* qsort order of the layer: by destination path, bytewise, so the tar never depends on
 * readdir order. */
static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->dest, ((const struct entry *)b)->dest);
}

/* A whole file into a malloc'ed buffer (freed by the caller), NULL on failure (errno). */
static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct buf b = { 0 };
	uint8_t chunk[65536];
	size_t n;

	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_put(&b, chunk, n);
	if (ferror(f) || b.oom) {
		fclose(f);
		free(b.p);
		return NULL;
	}
	fclose(f);
	*len = b.len;
	return b.p ? b.p : calloc(1, 1);
}

/* The uncompressed layer tar.  Modes are normalized (0755 dirs and executables, else 0644)
 * so the digest does not depend on the builder's umask. */
static int build_layer(struct entries *es, struct buf *tar)
{
	qsort(es->v, es->n, sizeof(es->v[0]), cmp_entry);
	for (size_t i = 0; i < es->n; i++) {
		struct entry *e = &es->v[i];
		char name[4200], link[4096];
		struct stat st;
		uint8_t *data;
		size_t len = 0;
		ssize_t ln;
		int rc;

		if (e->type == '5') {
			snprintf(name, sizeof(name), "%s/", e->dest);
			if (tar_entry(tar, name, '5', 0755, NULL, 0, NULL))
				return -1;
			continue;
		}
		if (e->type == '2') {
			ln = readlink(e->host, link, sizeof(link) - 1);
			if (ln < 0 || ln > 100) {
				fprintf(stderr, "chibi image: %s: unusable symlink\n", e->host);
				return -1;
			}
			link[ln] = 0;
			if (tar_entry(tar, e->dest, '2', 0777, NULL, 0, link))
				return -1;
			continue;
		}
		if (stat(e->host, &st) || !(data = slurp(e->host, &len))) {
			fprintf(stderr, "chibi image: %s: %s\n", e->host, strerror(errno));
			return -1;
		}
		rc = tar_entry(tar, e->dest, '0', (st.st_mode & 0111) ? 0755 : 0644, data, len,
			       NULL);
		free(data);
		if (rc)
			return -1;
	}
	tar_end(tar);
	return tar->oom ? -1 : 0;
}

/* gzip with a fixed header (mtime 0, no name, OS unix) so output is stable. */
static int gzip_buf(const struct buf *in, struct buf *out)
{
	z_stream z = { 0 };
	gz_header hdr = { 0 };
	uint8_t chunk[65536];
	int rc;

	if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	hdr.os = 3;
	deflateSetHeader(&z, &hdr);
	z.next_in = in->p;
	z.avail_in = (uInt)in->len;
	do {
		z.next_out = chunk;
		z.avail_out = sizeof(chunk);
		rc = deflate(&z, Z_FINISH);
		buf_put(out, chunk, sizeof(chunk) - z.avail_out);
	} while (rc == Z_OK);
	deflateEnd(&z);
	return rc == Z_STREAM_END && !out->oom ? 0 : -1;
}

/* ---- command line ----------------------------------------------------------------------- */

/* The parsed command line.  Strings point into argv (os/arch: static copies); the three
 * arrays are heap blocks with room for every argument. */
struct opts {
	const char *entrypoint, *output, *name, *workdir, *os, *arch, *wasm;
	const char **env, **cmd, **files;   /* --env K=V, --cmd ARG, extra HOST[:DEST] */
	int nenv, ncmd, nfiles;
};

/* The help of `chibi image build`, on stderr as usage errors print it. */
static void usage(void)
{
	fprintf(stderr,
		"usage: chibi image build [OPTIONS] app.wasm [HOST[:DEST]...]\n"
		"  -o, --output FILE      image tarball to write (default: <app>.tar)\n"
		"  -n, --name REF         image name (default: docker.io/library/<app>:latest)\n"
		"  --entrypoint PATH      where the module goes in the image and what runs\n"
		"                         (default: /<app.wasm>)\n"
		"  --env K=V              environment for the module (repeatable)\n"
		"  --cmd ARG              default arguments after the entrypoint (repeatable)\n"
		"  --workdir DIR          process.cwd (default: /)\n"
		"  --platform OS/ARCH     image platform (default: wasi/wasm)\n"
		"Extra HOST files or directories go to DEST (default: /<basename>).\n"
		"Import with: ctr image import --platform wasi/wasm FILE.tar\n");
}

/* The last component of p (p itself without a '/'). */
static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

enum { OPT_ENTRYPOINT = 256, OPT_WORKDIR, OPT_ENV, OPT_CMD, OPT_PLATFORM };

static const struct option long_opts[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "name", required_argument, NULL, 'n' },
	{ "entrypoint", required_argument, NULL, OPT_ENTRYPOINT },
	{ "workdir", required_argument, NULL, OPT_WORKDIR },
	{ "env", required_argument, NULL, OPT_ENV },
	{ "cmd", required_argument, NULL, OPT_CMD },
	{ "platform", required_argument, NULL, OPT_PLATFORM },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* "OS/ARCH" into o->os and o->arch (static copies); false if it is not of that form. */
static bool parse_platform(const char *val, struct opts *o)
{
	static char platform_os[64], platform_arch[64];
	const char *slash = strchr(val, '/');

	if (!slash || slash == val || !slash[1] || slash - val >= 64 || strlen(slash + 1) >= 64)
		return false;
	snprintf(platform_os, sizeof(platform_os), "%.*s", (int)(slash - val), val);
	snprintf(platform_arch, sizeof(platform_arch), "%s", slash + 1);
	o->os = platform_os;
	o->arch = platform_arch;
	return true;
}

/* `chibi image build` arguments (argv[0] is "build") into *o: 0, 1 after --help, -1 on a
 * usage error (reported).  getopt_long permutes, so options and files may come in any
 * order, as they always could; a value is taken verbatim even when it starts with '-'
 * (--cmd --verbose).  The string arrays have room for every argument. */
static int parse(int argc, char **argv, struct opts *o)
{
	int opt;

	o->env = calloc((size_t)argc, sizeof(char *));
	o->cmd = calloc((size_t)argc, sizeof(char *));
	o->files = calloc((size_t)argc, sizeof(char *));
	if (!o->env || !o->cmd || !o->files)
		return -1;
	o->os = "wasi";
	o->arch = "wasm";
	o->workdir = "/";
	opterr = 0;
	optind = 0; /* glibc: a fresh scan */
	while ((opt = getopt_long(argc, argv, ":o:n:h", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'o':
			o->output = optarg;
			break;
		case 'n':
			o->name = optarg;
			break;
		case OPT_ENTRYPOINT:
			o->entrypoint = optarg;
			break;
		case OPT_WORKDIR:
			o->workdir = optarg;
			break;
		case OPT_ENV:
			o->env[o->nenv++] = optarg;
			break;
		case OPT_CMD:
			o->cmd[o->ncmd++] = optarg;
			break;
		case OPT_PLATFORM:
			if (!parse_platform(optarg, o)) {
				fprintf(stderr, "chibi image: --platform wants OS/ARCH\n");
				return -1;
			}
			break;
		case 'h':
			usage();
			return 1;
		case ':':
			fprintf(stderr, "chibi image: %s needs a value\n", argv[optind - 1]);
			return -1;
		default:
			fprintf(stderr, "chibi image: unknown option %s\n", argv[optind - 1]);
			return -1;
		}
	}
	for (int i = optind; i < argc; i++) {
		if (!o->wasm)
			o->wasm = argv[i];
		else
			o->files[o->nfiles++] = argv[i];
	}
	if (!o->wasm) {
		usage();
		return -1;
	}
	if (o->entrypoint && o->entrypoint[0] != '/') {
		fprintf(stderr, "chibi image: --entrypoint must be an absolute path\n");
		return -1;
	}
	return 0;
}

/* Write len bytes to path atomically enough for a build tool: tmp file then rename. */
static int write_out(const char *path, const struct buf *b)
{
	char tmp[4096];
	FILE *f;
	int ok;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		fprintf(stderr, "chibi image: %s: path too long\n", path);
		return -1;
	}
	f = fopen(tmp, "wb");
	if (!f) {
		fprintf(stderr, "chibi image: %s: %s\n", tmp, strerror(errno));
		return -1;
	}
	ok = fwrite(b->p, 1, b->len, f) == b->len;
	ok &= fclose(f) == 0;
	if (!ok || rename(tmp, path)) {
		fprintf(stderr, "chibi image: writing %s: %s\n", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* ---- the OCI documents (util/json.h's writer) -------------------------------------------- */

/* "sha256:" + a hex digest, the form every OCI descriptor uses. */
static void jw_digest(struct json_writer *w, const char *hex)
{
	char d[7 + 65];

	snprintf(d, sizeof(d), "sha256:%s", hex);
	jw_string(w, d);
}

/* An array of the n strings v. */
static void jw_string_array(struct json_writer *w, const char *const *v, int n)
{
	jw_array(w);
	for (int i = 0; i < n; i++)
		jw_string(w, v[i]);
	jw_array_end(w);
}

/* The image configuration (OCI image-spec config.md): platform, the process (Cmd only when
 * given, as before), a fixed creation time and history, and the layer's uncompressed digest.
 * Returns the text (free()) and its length, or NULL when out of memory. */
static char *image_config(const struct opts *o, const char *entry, const char *diff_id,
			  size_t *out_len)
{
	static const char epoch[] = "1970-01-01T00:00:00Z"; /* reproducible: no real time */
	struct json_writer w;

	jw_init(&w);
	jw_object(&w);
	jw_key(&w, "architecture");
	jw_string(&w, o->arch);
	jw_key(&w, "config");
	jw_object(&w);
	if (o->ncmd) {
		jw_key(&w, "Cmd");
		jw_string_array(&w, o->cmd, o->ncmd);
	}
	jw_key(&w, "Entrypoint");
	jw_string_array(&w, &entry, 1);
	jw_key(&w, "Env");
	jw_string_array(&w, o->env, o->nenv);
	jw_key(&w, "WorkingDir");
	jw_string(&w, o->workdir);
	jw_object_end(&w);
	jw_key(&w, "created");
	jw_string(&w, epoch);
	jw_key(&w, "history");
	jw_array(&w);
	jw_object(&w);
	jw_key(&w, "created");
	jw_string(&w, epoch);
	jw_key(&w, "created_by");
	jw_string(&w, "chibi image build");
	jw_object_end(&w);
	jw_array_end(&w);
	jw_key(&w, "os");
	jw_string(&w, o->os);
	jw_key(&w, "rootfs");
	jw_object(&w);
	jw_key(&w, "diff_ids");
	jw_array(&w);
	jw_digest(&w, diff_id);
	jw_array_end(&w);
	jw_key(&w, "type");
	jw_string(&w, "layers");
	jw_object_end(&w);
	jw_object_end(&w);
	return jw_finish(&w, out_len);
}

/* The image manifest (image-spec manifest.md): descriptors of the config and the one gzip
 * layer.  Returns the text (free()) and its length, or NULL when out of memory. */
static char *image_manifest(const char *config_dg, size_t config_len, const char *layer_dg,
			    size_t layer_len, size_t *out_len)
{
	struct json_writer w;

	jw_init(&w);
	jw_object(&w);
	jw_key(&w, "config");
	jw_object(&w);
	jw_key(&w, "digest");
	jw_digest(&w, config_dg);
	jw_key(&w, "mediaType");
	jw_string(&w, "application/vnd.oci.image.config.v1+json");
	jw_key(&w, "size");
	jw_uint(&w, config_len);
	jw_object_end(&w);
	jw_key(&w, "layers");
	jw_array(&w);
	jw_object(&w);
	jw_key(&w, "digest");
	jw_digest(&w, layer_dg);
	jw_key(&w, "mediaType");
	jw_string(&w, "application/vnd.oci.image.layer.v1.tar+gzip");
	jw_key(&w, "size");
	jw_uint(&w, layer_len);
	jw_object_end(&w);
	jw_array_end(&w);
	jw_key(&w, "mediaType");
	jw_string(&w, "application/vnd.oci.image.manifest.v1+json");
	jw_key(&w, "schemaVersion");
	jw_uint(&w, 2);
	jw_object_end(&w);
	return jw_finish(&w, out_len);
}

/* The layout's index.json (image-spec image-index.md): one manifest, named for containerd's
 * importer (io.containerd.image.name) and by tag.  Returns the text (free()) and its
 * length, or NULL when out of memory. */
static char *image_index(const struct opts *o, const char *name, const char *tag,
			 const char *manifest_dg, size_t manifest_len, size_t *out_len)
{
	struct json_writer w;

	jw_init(&w);
	jw_object(&w);
	jw_key(&w, "manifests");
	jw_array(&w);
	jw_object(&w);
	jw_key(&w, "annotations");
	jw_object(&w);
	jw_key(&w, "io.containerd.image.name");
	jw_string(&w, name);
	jw_key(&w, "org.opencontainers.image.ref.name");
	jw_string(&w, tag);
	jw_object_end(&w);
	jw_key(&w, "digest");
	jw_digest(&w, manifest_dg);
	jw_key(&w, "mediaType");
	jw_string(&w, "application/vnd.oci.image.manifest.v1+json");
	jw_key(&w, "platform");
	jw_object(&w);
	jw_key(&w, "architecture");
	jw_string(&w, o->arch);
	jw_key(&w, "os");
	jw_string(&w, o->os);
	jw_object_end(&w);
	jw_key(&w, "size");
	jw_uint(&w, manifest_len);
	jw_object_end(&w);
	jw_array_end(&w);
	jw_key(&w, "mediaType");
	jw_string(&w, "application/vnd.oci.image.index.v1+json");
	jw_key(&w, "schemaVersion");
	jw_uint(&w, 2);
	jw_object_end(&w);
	return jw_finish(&w, out_len);
}

/* The oci-layout file (image-spec image-layout.md). */
static char *oci_layout(size_t *out_len)
{
	struct json_writer w;

	jw_init(&w);
	jw_object(&w);
	jw_key(&w, "imageLayoutVersion");
	jw_string(&w, "1.0.0");
	jw_object_end(&w);
	return jw_finish(&w, out_len);
}

/* Build the image tarball o describes: the layer (tar, gzip), its digests, config,
 * manifest and index, then the OCI layout archive, written to the output path atomically.
 * 0, or -1 after a message. */
static int build(struct opts *o)
{
	struct entries es = { 0 };
	struct buf layer = { 0 }, gz = { 0 }, out = { 0 };
	char *config = NULL, *manifest = NULL, *index = NULL, *layout = NULL;
	size_t config_len, manifest_len, index_len, layout_len;
	char entry[4096], stem[256], name[512], output[4096], tag[256];
	char diff_id[65], layer_dg[65], config_dg[65], manifest_dg[65], blob[128];
	const char *colon;
	int rc = -1;

	snprintf(stem, sizeof(stem), "%s", base_name(o->wasm));
	if (strlen(stem) > 5 && !strcmp(stem + strlen(stem) - 5, ".wasm"))
		stem[strlen(stem) - 5] = 0;
	snprintf(entry, sizeof(entry), "%s", o->entrypoint ? o->entrypoint :
		 "/");
	if (!o->entrypoint)
		snprintf(entry, sizeof(entry), "/%s", base_name(o->wasm));
	snprintf(name, sizeof(name), "%s", o->name ? o->name : "");
	if (!o->name)
		snprintf(name, sizeof(name), "docker.io/library/%s:latest", stem);
	snprintf(output, sizeof(output), "%s", o->output ? o->output : "");
	if (!o->output)
		snprintf(output, sizeof(output), "%s.tar", stem);
	/* The tag is what follows the last ':' after the last '/' (a registry port is not one). */
	colon = strrchr(name, ':');
	snprintf(tag, sizeof(tag), "%s",
		 colon && !strchr(colon, '/') ? colon + 1 : "latest");

	if (add_path(&es, o->wasm, entry))
		goto out;
	for (int i = 0; i < o->nfiles; i++) {
		char host[4096], dest[4096];
		const char *sep = strchr(o->files[i], ':');

		if (sep) {
			snprintf(host, sizeof(host), "%.*s", (int)(sep - o->files[i]), o->files[i]);
			snprintf(dest, sizeof(dest), "%s", sep + 1);
		} else {
			snprintf(host, sizeof(host), "%s", o->files[i]);
			snprintf(dest, sizeof(dest), "/%s", base_name(o->files[i]));
		}
		if (dest[0] != '/') {
			fprintf(stderr, "chibi image: DEST must be absolute: %s\n", o->files[i]);
			goto out;
		}
		if (add_path(&es, host, dest))
			goto out;
	}
	if (build_layer(&es, &layer) || gzip_buf(&layer, &gz)) {
		fprintf(stderr, "chibi image: cannot build the layer\n");
		goto out;
	}
	digest_hex(layer.p, layer.len, diff_id);
	digest_hex(gz.p, gz.len, layer_dg);

	/* The three documents, keys in sorted order as a canonical JSON encoder would write
	 * them: each digest covers the exact bytes, so they must never change for the same
	 * inputs (cli/tests/image-repro.sh checks). */
	config = image_config(o, entry, diff_id, &config_len);
	if (!config)
		goto nomem;
	digest_hex((const uint8_t *)config, config_len, config_dg);
	manifest = image_manifest(config_dg, config_len, layer_dg, gz.len, &manifest_len);
	if (!manifest)
		goto nomem;
	digest_hex((const uint8_t *)manifest, manifest_len, manifest_dg);
	index = image_index(o, name, tag, manifest_dg, manifest_len, &index_len);
	layout = oci_layout(&layout_len);
	if (!index || !layout)
		goto nomem;

	if (tar_entry(&out, "oci-layout", '0', 0644, layout, layout_len, NULL) ||
	    tar_entry(&out, "index.json", '0', 0644, index, index_len, NULL) ||
	    tar_entry(&out, "blobs/", '5', 0755, NULL, 0, NULL) ||
	    tar_entry(&out, "blobs/sha256/", '5', 0755, NULL, 0, NULL))
		goto out;
	snprintf(blob, sizeof(blob), "blobs/sha256/%s", config_dg);
	tar_entry(&out, blob, '0', 0644, config, config_len, NULL);
	snprintf(blob, sizeof(blob), "blobs/sha256/%s", manifest_dg);
	tar_entry(&out, blob, '0', 0644, manifest, manifest_len, NULL);
	snprintf(blob, sizeof(blob), "blobs/sha256/%s", layer_dg);
	tar_entry(&out, blob, '0', 0644, gz.p, gz.len, NULL);
	tar_end(&out);
	if (out.oom)
		goto nomem;
	if (write_out(output, &out))
		goto out;
	printf("image %s\n  output   %s (%zu bytes)\n  manifest sha256:%s\n  layer    sha256:%s"
	       "\n  platform %s/%s\nimport:  ctr image import --platform %s/%s %s\n", name, output,
	       out.len, manifest_dg, layer_dg, o->os, o->arch, o->os, o->arch, output);
	rc = 0;
	goto out;
nomem:
	fprintf(stderr, "chibi image: out of memory\n");
out:
	for (size_t i = 0; i < es.n; i++) {
		free(es.v[i].dest);
		free(es.v[i].host);
	}
	free(es.v);
	free(layer.p);
	free(gz.p);
	free(config);
	free(manifest);
	free(index);
	free(layout);
	free(out.p);
	return rc;
}

/* `chibi image build ...` (argv[0] == "image").  Returns 0 on success, 1 on a build error,
 * 2 on a usage error. */
int image_main(int argc, char **argv)
{
	struct opts o = { 0 };
	int rc;

	if (argc < 2 || strcmp(argv[1], "build") != 0) {
		usage();
		return 2;
	}
	rc = parse(argc - 1, argv + 1, &o);
	if (rc == 0)
		rc = build(&o) ? 1 : 0;
	else
		rc = rc > 0 ? 0 : 2;
	free(o.env);
	free(o.cmd);
	free(o.files);
	return rc;
}
