/* Stand-in for the header Debian's lua5.4 build generates (debian/patches): the benchmark
 * builds Lua outside dpkg-buildpackage, so it names the multiarch triplet itself. */
#define DEB_HOST_MULTIARCH "bench"
