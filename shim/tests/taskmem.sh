#!/bin/sh
# shim/tests/taskmem.sh - what a sleeping chibi container costs, by mapping, on one private
# containerd (lib.sh): N probe containers (`ctr run -d`, probe.wasm sleeping, the shim's
# compiled-code cache on as deployed), then /proc/PID/smaps of every task runner and every shim
# daemon, summed by category and divided by N (KiB per container):
#   binary text / rodata / relro / data / bss   the executable's mappings (relro: the pages
#                                               static-pie relocation made private)
#   heap, stack                                 [heap], [stack]
#   8 MiB stacks                                8 MiB anonymous: the value stack (runner),
#                                               thread stacks (daemon)
#   JIT arena, JIT code, JIT slot table         64 MiB arena data; anonymous r-x; anonymous r--
#   compiled code / compiled module             the cache file's r-x (code) and r-- (header,
#                                               module bytes, records) mappings
#   other anon                                  linear memory, malloc's own mappings, the rest
# with Rss, Pss and Private (clean + dirty) per category.  Usage: BUILD=build [N=10]
# shim/tests/taskmem.sh (root).  Compare two builds by running it with each BUILD.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
case ${BUILD:-build} in /*) BUILD=$(cd "$BUILD" && pwd) ;; *) BUILD=$(cd "$TOP/${BUILD:-build}" && pwd) ;; esac
N=${N:-10}
NS=chibi-taskmem
. "$HERE/lib.sh"
lab_need >/dev/null
trap 'lab_down' EXIT
trap 'exit 130' INT TERM
lab_up >/dev/null || exit 1
lab_hello_images "$T/w" docker.io/library/tm-wasm:1 docker.io/library/tm-native:1 >/dev/null 2>&1 ||
	{ echo "images failed"; exit 1; }
i=0
while [ $i -lt "$N" ]; do
	C run -d --null-io --runtime io.containerd.chibi.v1 docker.io/library/tm-wasm:1 tm$i \
		/probe.wasm sleep 100000 >/dev/null || exit 1
	i=$((i + 1))
done
i=0
while [ "$(C task ls | grep -c RUNNING)" -lt "$N" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
sleep 2 # every guest asleep
lab_task_pids tm >"$T/pids"
# category PSS/RSS/private per process kind: smaps of each pid, tagged
for kind in task shim; do
	col=3; [ $kind = shim ] && col=2
	for p in $(awk -v c=$col '$c != "-" {print $c}' "$T/pids"); do
		awk -v kind=$kind '
		/^[0-9a-f]+-[0-9a-f]+ / {
			flush()
			n = split($0, f, " "); perm = f[2]; path = n >= 6 ? f[6] : ""
			split(f[1], ad, "-"); size = 0
			rss = pss = priv = dirty = 0
			next
		}
		/^Size:/ { size = $2 } /^Rss:/ { rss = $2 } /^Pss:/ { pss = $2 }
		/^Private_Clean:/ { priv += $2 } /^Private_Dirty:/ { priv += $2; dirty = $2 }
		function cat_of() {
			if (path ~ /containerd-shim-chibi-v1/) {
				if (perm ~ /x/) return "binary text"
				if (perm ~ /w/) { lastbin = 1; return "binary data" }
				return dirty > 0 ? "binary relro" : "binary rodata"
			}
			if (path == "[heap]") return "heap"
			if (path == "[stack]") return "stack"
			if (path ~ /^\[/) return "kernel (vdso)"
			if (path ~ /\.cwasm$/) return perm ~ /x/ ? "compiled code" : "compiled module"
			if (path != "") return "other file"
			if (perm ~ /x/) return "JIT code"
			if (perm == "r--p") return "JIT slot table"
			if (wasbin && perm == "rw-p") return "binary bss"
			if (size == 8192) return "8 MiB stacks"
			if (size == 65536) return "JIT arena"
			return "other anon"
		}
		function flush(  c) {
			if (perm == "") return
			c = cat_of(); wasbin = lastbin; lastbin = 0
			if (c != "binary data") wasbin = 0
			if (rss > 0) printf "%s\t%s\t%d\t%d\t%d\n", kind, c, rss, pss, priv
			perm = ""
		}
		END { flush() }' "/proc/$p/smaps"
	done
done >"$T/cats"
awk -F'\t' -v n="$N" '
	{ k = $1 "\t" $2; rss[k] += $3; pss[k] += $4; prv[k] += $5; if (!(k in seen)) { seen[k] = 1; ord[++m] = k }
	  trss[$1] += $3; tpss[$1] += $4; tprv[$1] += $5 }
	END {
		printf "KiB per container, %d sleeping probe containers\n", n
		printf "%-6s %-18s %8s %8s %8s\n", "", "", "Rss", "Pss", "Private"
		for (i = 1; i <= m; i++) { split(ord[i], kc, "\t")
			printf "%-6s %-18s %8.1f %8.1f %8.1f\n", kc[1], kc[2], rss[ord[i]] / n, pss[ord[i]] / n, prv[ord[i]] / n }
		for (kd in trss) printf "%-6s %-18s %8.1f %8.1f %8.1f\n", kd, "TOTAL", trss[kd] / n, tpss[kd] / n, tprv[kd] / n
	}' "$T/cats"
