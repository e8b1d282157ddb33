/* shim/log.c - logrus-style log lines on stderr (the bundle's log fifo in the daemon).
 *
 * Quotes in messages become single quotes so containerd's logfmt parser keeps the line whole.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

int shim_log_debug;
int shim_log_fd = 2;

/* One logrus-style line on shim_log_fd; see log.h. */
void shim_log(const char *level, const char *fmt, ...)
{
	char msg[1024], line[1400], when[32];
	struct timespec ts;
	struct tm tm;
	va_list ap;
	int n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (char *p = msg; *p; p++)
		if (*p == '"' || *p == '\n')
			*p = *p == '"' ? '\'' : ' ';
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	n = snprintf(line, sizeof(line),
		     "time=\"%s.%09ldZ\" level=%s msg=\"%s\" runtime=io.containerd.chibi.v1 pid=%d\n",
		     when, ts.tv_nsec, level, msg, (int)getpid());
	if (n > (int)sizeof(line))
		n = sizeof(line);
	if (write(shim_log_fd, line, (size_t)n) < 0) {
		/* nowhere left to report it */
	}
}
