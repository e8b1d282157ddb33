/* shim/tests/cri/pause.c - the pod sandbox ("pause") image's program, built static and native.
 *
 * What Kubernetes' pause does, no more: hold the pod's namespaces by staying alive, reap
 * whatever gets reparented to it (it is PID 1 of a shared PID namespace), and exit 0 on SIGTERM
 * or SIGINT.  The CRI tests build it locally and configure it as containerd's sandbox image, so
 * no image is pulled.  runc pods run it; chibi pods never do (the shim idles in its place).
 */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static void stop(int sig)
{
	(void)sig;
	_exit(0);
}

static void reap(int sig)
{
	(void)sig;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

int main(void)
{
	struct sigaction sa = { .sa_handler = stop };

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = reap;
	sa.sa_flags = SA_NOCLDSTOP | SA_RESTART;
	sigaction(SIGCHLD, &sa, NULL);
	for (;;)
		pause();
}
