/* hello.c - the startup benchmark: the smallest useful WASI command.  What is measured is the
 * engine's fixed cost (process start, module load, instantiate, one fd_write, exit). */
#include <stdio.h>

int main(void)
{
	puts("hello, world");
	return 0;
}
