/* shim/log.h - the shim's log lines, in logrus text format so containerd's log reads them.
 *
 * The daemon's stderr is the bundle's `log` fifo, which containerd copies into its own log.
 * One write(2) per line keeps lines from concurrent threads whole.
 */
#ifndef CHIBI_SHIM_LOG_H
#define CHIBI_SHIM_LOG_H

extern int shim_log_debug; /* -debug given: emit debug lines too */
/* Where lines go: 2 (the daemon's stderr), or the bundle's log fifo opened by the task runner,
 * whose own fd 2 is the container's stderr. */
extern int shim_log_fd;

/* Write one line `time=... level=LEVEL msg="..." runtime=io.containerd.chibi.v1` to shim_log_fd.
 * level is "debug", "info", "warning" or "error".  Never fails (errors are dropped). */
void shim_log(const char *level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) do { if (shim_log_debug) shim_log("debug", __VA_ARGS__); } while (0)
#define log_info(...) shim_log("info", __VA_ARGS__)
#define log_warn(...) shim_log("warning", __VA_ARGS__)
#define log_error(...) shim_log("error", __VA_ARGS__)

#endif
