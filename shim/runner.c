/* shim/runner.c - containerd-shim-chibi-v1-task: the process a container's module runs in.
 *
 * The shim daemon (main.c) forks and execs this binary for each task with
 * argv[1] == TASK_CHILD_ARG and the grammar of shim/task/child.c; it is not meant to be run by
 * hand.  It links the engine and WASI; the daemon links neither, and this binary has no ttrpc
 * or protobuf code, so each of the two processes a container costs maps only its own code.
 */
#include <stdio.h>
#include <string.h>

#include "chibi.h"
#include "task/task.h"

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], TASK_CHILD_ARG) == 0)
		return task_child_main(argc, argv);
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("%s %s\n", TASK_RUNNER_NAME, CHIBI_VERSION);
		return 0;
	}
	fprintf(stderr,
		"%s runs one container's module for containerd-shim-chibi-v1, which starts it; "
		"it is not a command to run by hand\n",
		TASK_RUNNER_NAME);
	return 2;
}
