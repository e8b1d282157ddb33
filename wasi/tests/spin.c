/* spin.c - never ends on its own: --timeout and --fuel must stop it (134).  With an
 * argument it first sleeps that many seconds in poll_oneoff, so --timeout must also end a
 * guest blocked in a host call. */
#include <stdlib.h>
#include <unistd.h>

static volatile unsigned long counter;

int main(int argc, char **argv)
{
	if (argc > 1)
		sleep((unsigned)atoi(argv[1]));
	for (;;)
		counter++;
}
