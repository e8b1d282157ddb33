#!/usr/bin/python3
"""shim/tests/cri/cri_test.py - a pod's life through containerd's CRI socket, as the kubelet
drives it, with RuntimeClass handler `chibi` (containerd-shim-chibi-v1).

Run by shim/tests/cri/e2e.sh, which starts the private containerd (CRI on, handlers chibi and
runc, the locally built pause image as the sandbox image, a CNI bridge config), imports the
images and runs this file in phases around the things a shell does better:

  --phase life      everything that needs no restart of containerd; leaves pods for `restart`
  --phase restart   after e2e.sh restarted containerd: those pods are still managed and removable
  --phase shimkill  a SIGKILLed shim, then no stray processes, mounts, cgroups, fifos or shims

The client is generated from k8s.io/cri-api's api.proto (Debian's golang-k8s-cri-api-dev) with
grpc_tools into $CRI_PY.  Output: one `ok NAME` / `FAIL NAME` line per check, like e2e.sh, and a
last line `cri <phase>: P passed, F failed`.
"""
import argparse
import glob
import json
import os
import re
import signal
import socket
import stat
import subprocess
import sys
import time
import uuid

sys.path.insert(0, os.environ["CRI_PY"])
import grpc  # noqa: E402
import api_pb2 as api  # noqa: E402
import api_pb2_grpc as api_grpc  # noqa: E402

T = os.environ["T"]
SOCK = "unix://" + os.path.join(T, "c.sock")
WASM_IMG = os.environ["CRI_WASM_IMAGE"]
NATIVE_IMG = os.environ["CRI_NATIVE_IMAGE"]
PAUSE_IMG = os.environ["CRI_PAUSE_IMAGE"]
STOP_IMG = os.environ["CRI_STOP_IMAGE"]  # the wasm image with StopSignal SIGURG
SUBNET = os.environ["CRI_SUBNET"]  # e.g. 10.213.7.0/24: the bridge the CNI config creates
MAJOR = int(os.environ.get("CTRD_MAJOR", "1"))
KUBELET = os.path.join(T, "kubelet")  # stands for /var/lib/kubelet and /var/log/pods
STATE = os.path.join(T, "cri-state.json")
CGROOT = "/sys/fs/cgroup"
CG_PARENT = os.environ.get("CRI_CGROUP_PARENT", "/chibi-cri")

PASS = 0
FAIL = 0


def ok(name):
    global PASS
    PASS += 1
    print("ok   " + name, flush=True)


def bad(name, *detail):
    global FAIL
    FAIL += 1
    print("FAIL " + name, flush=True)
    for d in detail:
        for line in str(d).splitlines()[:20]:
            print("     " + line, flush=True)


def check(name, cond, *detail):
    if cond:
        ok(name)
    else:
        bad(name, *detail)
    return cond


channel = grpc.insecure_channel(SOCK)
rt = api_grpc.RuntimeServiceStub(channel)
im = api_grpc.ImageServiceStub(channel)
TIMEOUT = 60


def call(stub_method, req, timeout=TIMEOUT):
    return stub_method(req, timeout=timeout)


def rpc_error(fn):
    """Run fn; return the grpc error's details (or None when it succeeded)."""
    try:
        fn()
    except grpc.RpcError as e:
        return "%s: %s" % (e.code().name, e.details())
    return None


# ---- kubelet-side helpers ------------------------------------------------------------------


def pod_config(name, handler_net="host", uid=None, attempt=0):
    uid = uid or str(uuid.uuid4())
    logdir = os.path.join(KUBELET, "logs", "chibi-cri_%s_%s" % (name, uid))
    os.makedirs(logdir, exist_ok=True)
    mode = api.NODE if handler_net == "host" else api.POD
    # A host-network pod has the node's UTS namespace, so no hostname of its own (runc refuses
    # one without a private UTS namespace).
    return api.PodSandboxConfig(
        metadata=api.PodSandboxMetadata(name=name, uid=uid, namespace="chibi-cri", attempt=attempt),
        hostname=name if mode == api.POD else "",
        log_directory=logdir,
        labels={"app": name, "suite": "chibi-cri", "io.kubernetes.pod.name": name},
        annotations={"chibi.test/pod": name},
        linux=api.LinuxPodSandboxConfig(
            cgroup_parent="%s/pod%s" % (CG_PARENT, uid),
            security_context=api.LinuxSandboxSecurityContext(
                namespace_options=api.NamespaceOption(network=mode, pid=api.CONTAINER, ipc=api.POD)
            ),
        ),
    )


PODS = []  # pods made by the running test, removed by run_test if the test could not


def run_pod(name, handler="chibi", net="host"):
    cfg = pod_config(name, net)
    resp = call(rt.RunPodSandbox, api.RunPodSandboxRequest(config=cfg, runtime_handler=handler))
    PODS.append(resp.pod_sandbox_id)
    return resp.pod_sandbox_id, cfg


def kubelet_files(cfg, cname):
    """The files the kubelet bind-mounts into every container: /etc/hosts and the termination
    log (under /var/lib/kubelet/pods/UID/ on a node)."""
    d = os.path.join(KUBELET, "pods", cfg.metadata.uid)
    os.makedirs(os.path.join(d, "containers", cname), exist_ok=True)
    hosts = os.path.join(d, "etc-hosts")
    with open(hosts, "w") as f:
        f.write(
            "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n%s\t%s\n"
            % ("10.213.0.9", cfg.hostname)
        )
    tlog = os.path.join(d, "containers", cname, uuid.uuid4().hex[:8])
    open(tlog, "w").close()
    return [
        api.Mount(container_path="/etc/hosts", host_path=hosts),
        api.Mount(container_path="/dev/termination-log", host_path=tlog),
    ], tlog


def container_config(
    cfg,
    cname,
    command,
    args,
    attempt=0,
    image=None,
    mounts=None,
    envs=None,
    workdir="",
    resources=None,
    labels=None,
):
    kmounts, tlog = kubelet_files(cfg, cname)
    c = api.ContainerConfig(
        metadata=api.ContainerMetadata(name=cname, attempt=attempt),
        image=api.ImageSpec(image=image or WASM_IMG),
        command=command,
        args=args,
        working_dir=workdir,
        envs=[api.KeyValue(key=k, value=v.encode()) for k, v in (envs or {}).items()],
        mounts=kmounts + (mounts or []),
        log_path="%s/%d.log" % (cname, attempt),
        labels=dict({"io.kubernetes.container.name": cname}, **(labels or {})),
        annotations={"io.kubernetes.container.terminationMessagePath": "/dev/termination-log"},
        linux=api.LinuxContainerConfig(resources=resources or api.LinuxContainerResources()),
    )
    return c, tlog


def create(pod_id, cfg, cc):
    return call(
        rt.CreateContainer,
        api.CreateContainerRequest(pod_sandbox_id=pod_id, config=cc, sandbox_config=cfg),
    ).container_id


def start(cid):
    call(rt.StartContainer, api.StartContainerRequest(container_id=cid))


def cstatus(cid, verbose=False):
    return call(rt.ContainerStatus, api.ContainerStatusRequest(container_id=cid, verbose=verbose))


def wait_state(cid, state, secs=15):
    end = time.time() + secs
    st = None
    while time.time() < end:
        st = cstatus(cid).status
        if st.state == state:
            return st
        time.sleep(0.05)
    return st


def wait_exit(cid, secs=15):
    return wait_state(cid, api.CONTAINER_EXITED, secs)


def wait_for(probe, secs=20):
    """probe() until it returns something true, for up to secs; its last value."""
    end = time.time() + secs
    v = probe()
    while not v and time.time() < end:
        time.sleep(0.05)
        v = probe()
    return v


def pstatus(pid, verbose=False):
    return call(
        rt.PodSandboxStatus, api.PodSandboxStatusRequest(pod_sandbox_id=pid, verbose=verbose)
    )


def remove_pod(pid):
    call(rt.StopPodSandbox, api.StopPodSandboxRequest(pod_sandbox_id=pid))
    call(rt.RemovePodSandbox, api.RemovePodSandboxRequest(pod_sandbox_id=pid))


LOG_RE = re.compile(r"^(\S+) (stdout|stderr) ([PF]) (.*)$")


def read_log(path):
    """CRI log lines -> [(timestamp, stream, tag, content)]; a line that does not parse is
    returned with stream None."""
    out = []
    try:
        with open(path, errors="replace") as f:
            for line in f.read().split("\n"):
                if not line:
                    continue
                m = LOG_RE.match(line)
                out.append(m.groups() if m else (None, None, None, line))
    except FileNotFoundError:
        pass
    return out


def log_text(entries, stream=None):
    """Rejoin partial lines the way the kubelet does (P continues, F ends a line)."""
    lines, cur = [], ""
    for ts, s, tag, content in entries:
        if stream and s != stream:
            continue
        cur += content
        if tag == "F":
            lines.append(cur)
            cur = ""
    if cur:
        lines.append(cur)
    return lines


def log_path(cfg, cc):
    return os.path.join(cfg.log_directory, cc.log_path)


def parse_ts(ts):
    # RFC 3339 with nanoseconds: 2026-12-06T21:40:01.123456789Z (or a +hh:mm offset)
    m = re.match(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$", ts or "")
    return m is not None


def cgroup_dir(controller, cid, parent):
    return os.path.join(CGROOT, controller, parent.lstrip("/"), cid)


def shim_pids():
    """Shims serving this lab's containerd (their -address is our socket)."""
    out = subprocess.run(
        ["pgrep", "-f", "containerd-shim-.*-address %s/c.sock" % T], capture_output=True, text=True
    ).stdout
    return [int(p) for p in out.split()]


def shim_of(cid):
    out = subprocess.run(
        ["pgrep", "-f", "containerd-shim-chibi-v1 .*-id %s" % cid], capture_output=True, text=True
    ).stdout.split()
    return int(out[0]) if out else None


def task_address(cid):
    """The shim address containerd keeps in the container's bundle (its `address` file)."""
    for f in glob.glob(os.path.join(T, "state", "io.containerd.runtime.v2.task", "*", cid, "address")):
        try:
            return open(f).read()
        except OSError:
            pass
    return None


def cgroup_of(pid):
    """The v1 memory (or v2 unified) cgroup path of a process."""
    try:
        for line in open("/proc/%d/cgroup" % pid):
            parts = line.rstrip("\n").split(":", 2)
            if parts[1] in ("memory", ""):
                return parts[2]
    except OSError:
        pass
    return None


def task_pid(cid):
    info = cstatus(cid, verbose=True).info.get("info", "{}")
    return json.loads(info).get("pid")


def kill_wait(pid, address=None):
    """SIGKILL a shim daemon and wait until its sockets are closed (it is gone or a zombie, and
    its address, if given, refuses connections), as containerd does: it runs `shim delete`
    once the connection drops.  A delete before then finds the socket still answering, as a
    grouped shim's would, and keeps it.  Deadlines, not counts: under load a killed process
    can take seconds to be torn down."""
    os.kill(pid, signal.SIGKILL)
    end = time.time() + 20
    while time.time() < end:
        try:
            if open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()[0] in "ZX":
                break
        except (OSError, IndexError):
            break
        time.sleep(0.01)
    path = address[len("unix://"):] if address and address.startswith("unix://") else address
    while path and time.time() < end:
        s = socket.socket(socket.AF_UNIX)
        try:
            s.connect(path)
        except OSError:
            break
        finally:
            s.close()
        time.sleep(0.01)


def task_pids_in(parent):
    """Processes still in any cgroup under parent (v1 memory hierarchy, or v2)."""
    pids = set()
    for base in (
        os.path.join(CGROOT, "memory", parent.lstrip("/")),
        os.path.join(CGROOT, parent.lstrip("/")),
    ):
        for procs in glob.glob(os.path.join(base, "**", "cgroup.procs"), recursive=True):
            try:
                pids.update(int(x) for x in open(procs).read().split())
            except OSError:
                pass
    return pids


def run_test(fn):
    del PODS[:]
    try:
        fn()
    except grpc.RpcError as e:
        bad(fn.__name__, "gRPC %s: %s" % (e.code().name, e.details()))
    except Exception as e:  # a broken check is a failure, never a crash of the suite
        import traceback

        bad(fn.__name__, "%s: %s" % (type(e).__name__, e), traceback.format_exc())
    if fn.__name__ != "t_before_restart":
        for p in PODS:  # what a failed test left, so that the next tests start clean
            rpc_error(lambda: remove_pod(p))


# ---- phase life ----------------------------------------------------------------------------


def t_version_status():
    v = call(rt.Version, api.VersionRequest(version="v1"))
    check(
        "Version: runtime containerd, API v1 (%s %s)" % (v.runtime_name, v.runtime_version),
        v.runtime_name == "containerd" and v.runtime_api_version == "v1",
        str(v),
    )
    s = call(rt.Status, api.StatusRequest(verbose=False)).status
    cond = {c.type: c.status for c in s.conditions}
    check(
        "Status: RuntimeReady and NetworkReady",
        cond.get("RuntimeReady") and cond.get("NetworkReady"),
        str(s),
    )
    st = call(rt.Status, api.StatusRequest())
    names = [h.name for h in st.runtime_handlers]
    if names:
        check(
            "Status lists runtime handler chibi (%s)" % ",".join(sorted(n or '""' for n in names)),
            "chibi" in names,
            str(names),
        )


def t_images():
    imgs = call(im.ListImages, api.ListImagesRequest()).images
    tags = [t for i in imgs for t in i.repo_tags]
    check(
        "ListImages: the wasm image, the native image and the sandbox image are there",
        all(x in tags for x in (WASM_IMG, NATIVE_IMG, PAUSE_IMG)),
        tags,
    )
    s = call(im.ImageStatus, api.ImageStatusRequest(image=api.ImageSpec(image=WASM_IMG))).image
    check("ImageStatus of the wasm image (%d bytes)" % s.size, s.id and s.size > 0, str(s))


def t_basic_pod():
    """The basic pod: host network, one wasm container run to its exit."""
    pid, cfg = run_pod("basic")
    ps = pstatus(pid).status
    check("RunPodSandbox (handler chibi) -> SANDBOX_READY", ps.state == api.SANDBOX_READY, str(ps))
    check("PodSandboxStatus carries the handler", ps.runtime_handler == "chibi", ps.runtime_handler)
    data = os.path.join(KUBELET, "basic-data")
    os.makedirs(data, exist_ok=True)
    with open(os.path.join(data, "rel.txt"), "w") as f:
        f.write("from a volume\n")
    res = api.LinuxContainerResources(
        memory_limit_in_bytes=64 << 20, cpu_period=100000, cpu_quota=50000, cpu_shares=512
    )
    cc, tlog = container_config(
        cfg,
        "hello",
        ["/podprobe.wasm"],
        ["say", "one two", "three"],
        workdir="/data",
        envs={"POD_GREETING": "hello pod"},
        resources=res,
        mounts=[api.Mount(container_path="/data", host_path=data, readonly=True)],
    )
    cid = create(pid, cfg, cc)
    st = cstatus(cid).status
    check("CreateContainer -> CONTAINER_CREATED", st.state == api.CONTAINER_CREATED, str(st))
    t0 = time.time_ns()
    start(cid)
    st = wait_exit(cid)
    t1 = time.time_ns()
    check(
        "StartContainer, runs to its exit: CONTAINER_EXITED, exit 0, reason Completed",
        st.state == api.CONTAINER_EXITED and st.exit_code == 0 and st.reason == "Completed",
        str(st),
    )
    # finished_at is the shim's exit time; started_at is containerd's clock read after Start
    # returned (CRI's container_start.go, every release, every runtime): a module that is done
    # within a millisecond can finish "before" it started by that much.  Allow 50 ms.
    check(
        "ContainerStatus times: created <= started, finished (50 ms slack), within the run",
        0 < st.created_at <= st.started_at
        and st.created_at <= st.finished_at
        and st.started_at - 50 * 10**6 <= st.finished_at
        and t0 - 10**9 <= st.started_at
        and st.finished_at <= t1 + 10**9,
        "created %d started %d finished %d (t0 %d t1 %d)"
        % (st.created_at, st.started_at, st.finished_at, t0, t1),
    )
    check(
        "ContainerStatus log_path is the kubelet's", st.log_path == log_path(cfg, cc), st.log_path
    )
    ents = read_log(log_path(cfg, cc))
    text = log_text(ents, "stdout")
    check("args reach the module (command + args)", "args: one two three" in text, ents)
    check(
        "env and working dir (PWD) reach the module", "greeting=hello pod pwd=/data" in text, ents
    )
    check(
        "CRI log format: RFC 3339 timestamp, stream, F tag on every full line",
        ents and all(parse_ts(e[0]) and e[1] in ("stdout", "stderr") and e[2] == "F" for e in ents),
        ents,
    )
    # /etc/hosts, termination log, read-only volume, limits: a second container in the same pod.
    cc2, tlog2 = container_config(
        cfg, "files", ["/probe.wasm"], ["cat", "/etc/hosts"], resources=res
    )
    c2 = create(pid, cfg, cc2)
    start(c2)
    st2 = wait_exit(c2)
    text2 = "\n".join(log_text(read_log(log_path(cfg, cc2))))
    check(
        "kubelet's /etc/hosts file mount is the container's /etc/hosts",
        st2.exit_code == 0 and "Kubernetes-managed hosts file" in text2,
        text2,
        str(st2),
    )
    cc3, tlog3 = container_config(
        cfg, "term", ["/probe.wasm"], ["write", "/dev/termination-log", "bye from wasm"]
    )
    c3 = create(pid, cfg, cc3)
    start(c3)
    st3 = wait_exit(c3)
    check(
        "termination-log file mount: the message reaches the kubelet's file",
        st3.exit_code == 0 and open(tlog3).read() == "bye from wasm",
        open(tlog3).read(),
        str(st3),
    )
    cc4, _ = container_config(
        cfg,
        "ro",
        ["/probe.wasm"],
        ["write", "/data/new.txt", "x"],
        mounts=[api.Mount(container_path="/data", host_path=data, readonly=True)],
    )
    c4 = create(pid, cfg, cc4)
    start(c4)
    st4 = wait_exit(c4)
    check(
        "read-only volume refuses writes (exit 4, nothing on the host)",
        st4.exit_code == 4 and not os.path.exists(os.path.join(data, "new.txt")),
        str(st4),
    )
    # Limits went to the container's cgroup: read while it runs.
    cc5, _ = container_config(cfg, "limits", ["/probe.wasm"], ["sleep", "30"], resources=res)
    c5 = create(pid, cfg, cc5)
    start(c5)
    wait_state(c5, api.CONTAINER_RUNNING)
    parent = cfg.linux.cgroup_parent
    mem = cgroup_dir("memory", c5, parent)
    cpu = cgroup_dir("cpu", c5, parent)
    try:
        lim = int(open(os.path.join(mem, "memory.limit_in_bytes")).read())
        quota = int(open(os.path.join(cpu, "cpu.cfs_quota_us")).read())
        shares = int(open(os.path.join(cpu, "cpu.shares")).read())
    except OSError as e:
        lim = quota = shares = None
        print("     (cgroup: %s)" % e)
    check(
        "memory and CPU limits in the container's cgroup (%s, %s, %s)" % (lim, quota, shares),
        lim == 64 << 20 and quota == 50000 and shares == 512,
    )
    t0 = time.time()
    call(rt.StopContainer, api.StopContainerRequest(container_id=c5, timeout=10))
    dt = time.time() - t0
    st5 = cstatus(c5).status
    check(
        "StopContainer (grace 10 s): SIGTERM stops a wasm task at once, exit 143 (%.2f s)" % dt,
        st5.state == api.CONTAINER_EXITED and st5.exit_code == 143 and dt < 5,
        str(st5),
    )
    for c in (cid, c2, c3, c4, c5):
        call(rt.RemoveContainer, api.RemoveContainerRequest(container_id=c))
    left = call(
        rt.ListContainers, api.ListContainersRequest(filter=api.ContainerFilter(pod_sandbox_id=pid))
    ).containers
    check("RemoveContainer: the pod lists no container", not left, str(left))
    check(
        "the log files stay after RemoveContainer (the kubelet removes them)",
        os.path.exists(log_path(cfg, cc)),
    )
    call(rt.StopPodSandbox, api.StopPodSandboxRequest(pod_sandbox_id=pid))
    ps = pstatus(pid).status
    if ps.state != api.SANDBOX_NOTREADY:  # as above (t_filters): the state may lag the stop
        wait_for(lambda: pstatus(pid).status.state == api.SANDBOX_NOTREADY)
        ps = pstatus(pid).status
    check("StopPodSandbox -> SANDBOX_NOTREADY", ps.state == api.SANDBOX_NOTREADY, str(ps))
    call(rt.RemovePodSandbox, api.RemovePodSandboxRequest(pod_sandbox_id=pid))
    err = rpc_error(lambda: pstatus(pid))
    check("RemovePodSandbox: the pod is gone (NotFound)", err and "NOT_FOUND" in err, err)
    check("no shim left for the pod", not any(shim_of(x) for x in (pid, cid, c5)))


def t_sigkill_grace():
    pid, cfg = run_pod("stop")
    cc, _ = container_config(cfg, "sleeper", ["/probe.wasm"], ["sleep", "30"])
    cid = create(pid, cfg, cc)
    start(cid)
    wait_state(cid, api.CONTAINER_RUNNING)
    t0 = time.time()
    call(rt.StopContainer, api.StopContainerRequest(container_id=cid, timeout=0))
    st = cstatus(cid).status
    check(
        "StopContainer timeout 0: SIGKILL, exit 137 (%.2f s)" % (time.time() - t0),
        st.state == api.CONTAINER_EXITED and st.exit_code == 137 and st.reason == "Error",
        str(st),
    )
    # The grace period running out: a wasm module cannot catch SIGTERM (WASI has no signals), so
    # the only task that outlives its stop signal is one whose signal is ignored by default:
    # the image's StopSignal is SIGURG.  containerd sends it, waits out the 2 s grace period,
    # then SIGKILL: exit 137.  (CRI's per-container stop_signal field is not read by 1.6-2.1.)
    cc2, _ = container_config(cfg, "stubborn", ["/probe.wasm"], ["sleep", "30"], image=STOP_IMG)
    c2 = create(pid, cfg, cc2)
    start(c2)
    wait_state(c2, api.CONTAINER_RUNNING)
    t0 = time.time()
    call(rt.StopContainer, api.StopContainerRequest(container_id=c2, timeout=2))
    dt = time.time() - t0
    st2 = cstatus(c2).status
    check(
        "StopContainer, stop signal (SIGURG) ignored: SIGKILL after the 2 s grace period, "
        "exit 137 (%.2f s)" % dt,
        st2.exit_code == 137 and 1.9 <= dt < 6,
        str(st2),
    )
    # Stopping an exited container again is a no-op, as the kubelet expects.
    err = rpc_error(
        lambda: call(rt.StopContainer, api.StopContainerRequest(container_id=cid, timeout=2))
    )
    check("StopContainer on an exited container succeeds", err is None, err)
    remove_pod(pid)
    err = rpc_error(lambda: cstatus(cid))
    check("RemovePodSandbox removes the pod's containers too", err and "NOT_FOUND" in err, err)


def t_logs():
    pid, cfg = run_pod("logs")
    cc, _ = container_config(cfg, "long", ["/podprobe.wasm"], ["long", "40000"])
    cid = create(pid, cfg, cc)
    start(cid)
    st = wait_exit(cid)
    ents = read_log(log_path(cfg, cc))
    tags = "".join(e[2] or "?" for e in ents)
    lines = log_text(ents, "stdout")
    check(
        "a 40000-byte line is split into P entries and ends with F (tags %s)" % tags,
        st.exit_code == 0 and "P" in tags and lines and lines[0] == "x" * 40000,
        tags,
        [len(x) for x in lines],
    )
    check(
        "a last line without newline is logged (as kubectl logs shows it)",
        lines and lines[-1] == "tail",
        lines[-1:] if lines else ents,
    )
    # Interleaved stdout/stderr, then ReopenContainerLog mid-run (what log rotation does).
    cc2, _ = container_config(cfg, "rot", ["/podprobe.wasm"], ["log", "30", "100"])
    c2 = create(pid, cfg, cc2)
    start(c2)
    path = log_path(cfg, cc2)
    time.sleep(1.2)
    os.rename(path, path + ".1")
    call(rt.ReopenContainerLog, api.ReopenContainerLogRequest(container_id=c2))
    st2 = wait_exit(c2)
    old, new = read_log(path + ".1"), read_log(path)
    allents = old + new
    outs = log_text(allents, "stdout")
    errs = log_text(allents, "stderr")
    check(
        "stdout and stderr entries carry their stream",
        outs == ["out %d" % i for i in range(2, 31, 2)]
        and errs == ["err %d" % i for i in range(1, 30, 2)],
        outs,
        errs,
    )
    check(
        "ReopenContainerLog: a new file at log_path, the old one keeps the earlier lines "
        "(%d + %d)" % (len(old), len(new)),
        st2.exit_code == 0 and old and new and len(old) + len(new) == 30,
    )
    ts = [e[0] for e in allents]
    check("timestamps are in order", ts == sorted(ts), ts[:5])
    err = rpc_error(
        lambda: call(rt.ReopenContainerLog, api.ReopenContainerLogRequest(container_id=c2))
    )
    check("ReopenContainerLog of an exited container is refused", err is not None, err)
    remove_pod(pid)


def t_exec_refused():
    pid, cfg = run_pod("exec")
    cc, _ = container_config(cfg, "sleeper", ["/probe.wasm"], ["sleep", "30"])
    cid = create(pid, cfg, cc)
    start(cid)
    wait_state(cid, api.CONTAINER_RUNNING)
    err = rpc_error(
        lambda: call(
            rt.ExecSync,
            api.ExecSyncRequest(container_id=cid, cmd=["/probe.wasm", "hello"], timeout=5),
        )
    )
    check("ExecSync refused with a clear error", err and "not supported for wasm tasks" in err, err)
    url = None
    try:
        url = call(
            rt.Exec,
            api.ExecRequest(
                container_id=cid, cmd=["/probe.wasm", "hello"], stdout=True, stderr=True
            ),
        ).url
    except grpc.RpcError as e:
        url = "refused: " + e.details()
    if url.startswith("refused"):
        check("Exec refused with a clear error", "not supported" in url, url)
    else:
        got = ws_exec(url)
        check(
            "Exec: the stream reports the refusal (not supported for wasm tasks)",
            "not supported for wasm tasks" in got,
            got,
        )
    st = cstatus(cid).status
    check(
        "the task keeps running after the refused execs", st.state == api.CONTAINER_RUNNING, str(st)
    )
    remove_pod(pid)


def ws_exec(url):
    """Open the CRI streaming URL as `kubectl exec` does over WebSocket (channel protocol
    v4.channel.k8s.io) and return what arrives on the error channel (3) and stderr (2)."""
    m = re.match(r"^http://([^/:]+):(\d+)(/.*)$", url)
    if not m:
        return "unexpected url " + url
    host, port, path = m.group(1), int(m.group(2)), m.group(3)
    if host not in ("127.0.0.1", "localhost", "::1"):
        return "refusing a non-local stream url " + url
    s = socket.create_connection((host, port), timeout=10)
    key = "Y2hpYmktY3JpLXRlc3RzIQ=="
    s.sendall(
        (
            "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
            "Sec-WebSocket-Protocol: v4.channel.k8s.io\r\n\r\n" % (path, host, port, key)
        ).encode()
    )
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(4096)
        if not chunk:
            break
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    if b" 101 " not in head.split(b"\r\n")[0]:
        return head.decode(errors="replace") + rest.decode(errors="replace")
    got = b""
    data = rest
    deadline = time.time() + 10
    while time.time() < deadline:
        while len(data) >= 2:
            b1, b2 = data[0], data[1]
            n, off = b2 & 0x7F, 2
            if n == 126:
                if len(data) < 4:
                    break
                n, off = int.from_bytes(data[2:4], "big"), 4
            elif n == 127:
                if len(data) < 10:
                    break
                n, off = int.from_bytes(data[2:10], "big"), 10
            if len(data) < off + n:
                break
            payload, data = data[off : off + n], data[off + n :]
            op = b1 & 0x0F
            if op == 8:
                s.close()
                return got.decode(errors="replace")
            if payload and payload[0] in (2, 3):
                got += payload[1:]
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            break
        if not chunk:
            break
        data += chunk
    s.close()
    return got.decode(errors="replace")


def t_stats_update():
    pid, cfg = run_pod("stats")
    res = api.LinuxContainerResources(memory_limit_in_bytes=64 << 20, cpu_shares=256)
    cc, _ = container_config(
        cfg, "spin", ["/probe.wasm"], ["spin"], resources=res, labels={"role": "spinner"}
    )
    cid = create(pid, cfg, cc)
    start(cid)
    wait_state(cid, api.CONTAINER_RUNNING)
    time.sleep(1.0)
    s = call(rt.ContainerStats, api.ContainerStatsRequest(container_id=cid)).stats
    check(
        "ContainerStats: CPU used (%d ns) and memory working set (%d bytes)"
        % (s.cpu.usage_core_nano_seconds.value, s.memory.working_set_bytes.value),
        s.attributes.id == cid
        and s.cpu.usage_core_nano_seconds.value > 100 * 10**6
        and s.memory.working_set_bytes.value > 0,
        str(s),
    )
    ls = call(
        rt.ListContainerStats,
        api.ListContainerStatsRequest(filter=api.ContainerStatsFilter(pod_sandbox_id=pid)),
    ).stats
    check(
        "ListContainerStats filtered by pod: the one container",
        [x.attributes.id for x in ls] == [cid],
        [x.attributes.id for x in ls],
    )
    ls = call(
        rt.ListContainerStats,
        api.ListContainerStatsRequest(
            filter=api.ContainerStatsFilter(label_selector={"role": "spinner"})
        ),
    ).stats
    check("ListContainerStats filtered by label", [x.attributes.id for x in ls] == [cid])
    call(
        rt.UpdateContainerResources,
        api.UpdateContainerResourcesRequest(
            container_id=cid,
            linux=api.LinuxContainerResources(
                memory_limit_in_bytes=96 << 20, cpu_shares=768, cpu_period=100000, cpu_quota=20000
            ),
        ),
    )
    parent = cfg.linux.cgroup_parent
    try:
        lim = int(
            open(os.path.join(cgroup_dir("memory", cid, parent), "memory.limit_in_bytes")).read()
        )
        shares = int(open(os.path.join(cgroup_dir("cpu", cid, parent), "cpu.shares")).read())
        quota = int(open(os.path.join(cgroup_dir("cpu", cid, parent), "cpu.cfs_quota_us")).read())
    except OSError as e:
        lim = shares = quota = str(e)
    check(
        "UpdateContainerResources reaches the cgroup (memory %s, shares %s, quota %s)"
        % (lim, shares, quota),
        lim == 96 << 20 and shares == 768 and quota == 20000,
    )
    st = cstatus(cid).status
    if st.HasField("resources"):
        check(
            "ContainerStatus reports the updated resources",
            st.resources.linux.memory_limit_in_bytes == 96 << 20,
            str(st.resources),
        )
    remove_pod(pid)


def t_filters():
    pa, cfga = run_pod("filt-a")
    pb, cfgb = run_pod("filt-b")
    ca, _ = container_config(cfga, "a", ["/probe.wasm"], ["sleep", "30"], labels={"tier": "x"})
    cb, _ = container_config(cfgb, "b", ["/probe.wasm"], ["exit", "0"], labels={"tier": "y"})
    ida = create(pa, cfga, ca)
    idb = create(pb, cfgb, cb)
    start(ida)
    start(idb)
    wait_state(ida, api.CONTAINER_RUNNING)
    wait_exit(idb)

    def ids(f):
        return sorted(
            c.id for c in call(rt.ListContainers, api.ListContainersRequest(filter=f)).containers
        )

    check("ListContainers by pod", ids(api.ContainerFilter(pod_sandbox_id=pa)) == [ida])
    check("ListContainers by id", ids(api.ContainerFilter(id=idb)) == [idb])
    check(
        "ListContainers by state RUNNING",
        ida in ids(api.ContainerFilter(state=api.ContainerStateValue(state=api.CONTAINER_RUNNING)))
        and idb
        not in ids(api.ContainerFilter(state=api.ContainerStateValue(state=api.CONTAINER_RUNNING))),
    )
    check(
        "ListContainers by label", ids(api.ContainerFilter(label_selector={"tier": "y"})) == [idb]
    )

    def pods(f):
        return sorted(
            p.id for p in call(rt.ListPodSandbox, api.ListPodSandboxRequest(filter=f)).items
        )

    check(
        "ListPodSandbox by label",
        pods(api.PodSandboxFilter(label_selector={"app": "filt-b"})) == [pb],
    )
    check("ListPodSandbox by id", pods(api.PodSandboxFilter(id=pa)) == [pa])
    ready = pods(api.PodSandboxFilter(state=api.PodSandboxStateValue(state=api.SANDBOX_READY)))
    check("ListPodSandbox by state READY", pa in ready and pb in ready)
    call(rt.StopPodSandbox, api.StopPodSandboxRequest(pod_sandbox_id=pb))
    # containerd 2.x returns from StopPodSandbox once the sandbox's task is stopped, but the
    # state that ListPodSandbox reads is set when its exit event is handled, asynchronously
    # (its stopPodSandbox does not wait for it; the kubelet relists): under load READY can
    # still be listed for a moment.
    notready_filter = api.PodSandboxFilter(
        state=api.PodSandboxStateValue(state=api.SANDBOX_NOTREADY)
    )

    def listed_notready():
        listed = pods(notready_filter)
        return listed if pb in listed else []

    notready = wait_for(listed_notready)
    check(
        "ListPodSandbox by state NOTREADY after StopPodSandbox",
        notready and pb in notready and pa not in notready,
        str(notready),
    )
    remove_pod(pa)
    remove_pod(pb)


def t_shared_volume():
    """Two wasm containers of one pod share a volume (an emptyDir on the node)."""
    pid, cfg = run_pod("shared")
    vol = os.path.join(
        KUBELET, "pods", cfg.metadata.uid, "volumes", "kubernetes.io~empty-dir", "shared"
    )
    os.makedirs(vol, exist_ok=True)
    m = [api.Mount(container_path="/shared", host_path=vol)]
    cr, _ = container_config(
        cfg, "reader", ["/podprobe.wasm"], ["await", "/shared/msg", "10"], mounts=m
    )
    cw, _ = container_config(
        cfg, "writer", ["/podprobe.wasm"], ["put", "/shared/msg", "hello from the writer"], mounts=m
    )
    r = create(pid, cfg, cr)
    w = create(pid, cfg, cw)
    start(r)
    wait_state(r, api.CONTAINER_RUNNING)
    start(w)
    sw, sr = wait_exit(w), wait_exit(r)
    got = log_text(read_log(log_path(cfg, cr)))
    check(
        "two wasm containers in one pod share a volume",
        sw.exit_code == 0 and sr.exit_code == 0 and "hello from the writer" in got,
        got,
        str(sr),
    )
    # A native container in a chibi pod: it runs through the pod's handler (chibi), which
    # cannot run native code; the container fails with the reason in its log.
    cn, _ = container_config(cfg, "native", ["/hello"], [], image=NATIVE_IMG)
    n = create(pid, cfg, cn)
    err = rpc_error(lambda: start(n))
    st = wait_exit(n) if err is None else cstatus(n).status
    text = "\n".join(log_text(read_log(log_path(cfg, cn))))
    check(
        "a native image in a chibi pod is refused with a reason (%s)"
        % ((err or text or st.message)[:90].replace("\n", " ")),
        (err and ("wasm" in err or "module" in err))
        or (
            st.state == api.CONTAINER_EXITED
            and st.exit_code != 0
            and ("wasm" in text or "module" in text)
        ),
        err,
        text,
        str(st),
    )
    remove_pod(pid)


def t_oom():
    """A memory-backed emptyDir is charged to the container that fills it: past the limit the
    kernel's OOM killer ends the task, and the kubelet must see reason OOMKilled."""
    pid, cfg = run_pod("oom")
    vol = os.path.join(
        KUBELET, "pods", cfg.metadata.uid, "volumes", "kubernetes.io~empty-dir", "mem"
    )
    os.makedirs(vol, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256m", "tmpfs", vol], check=True)
    try:
        cc, _ = container_config(
            cfg,
            "filler",
            ["/podprobe.wasm"],
            ["fill", "/cache/big", "96"],
            mounts=[api.Mount(container_path="/cache", host_path=vol)],
            resources=api.LinuxContainerResources(memory_limit_in_bytes=32 << 20),
        )
        cid = create(pid, cfg, cc)
        start(cid)
        st = wait_exit(cid, 30)
        text = log_text(read_log(log_path(cfg, cc)))
        check(
            "over its memory limit: exit 137, reason OOMKilled (%s, %s)"
            % (st.exit_code, st.reason),
            st.state == api.CONTAINER_EXITED and st.exit_code == 137 and st.reason == "OOMKilled",
            str(st),
            text[-3:],
        )
        remove_pod(pid)
    finally:
        subprocess.run(["umount", "-l", vol])


def t_pod_shim():
    """One shim per pod: the sandbox and its containers share one daemon (the sandbox-id
    annotation), each container still in its own task process and cgroup; a crash of one
    leaves the other running; the daemon exits with the pod."""
    pid, cfg = run_pod("oneshim")
    ids = []
    for name in ("a", "b"):
        cc, _ = container_config(cfg, name, ["/probe.wasm"], ["sleep", "60"])
        cid = create(pid, cfg, cc)
        start(cid)
        ids.append(cid)
    for cid in ids:
        wait_state(cid, api.CONTAINER_RUNNING)
    addrs = [task_address(x) for x in [pid] + ids]
    spid = shim_of(pid)
    check(
        "one shim per pod: sandbox and both containers share its address and process",
        addrs[0] and len(set(addrs)) == 1 and spid and not any(shim_of(c) for c in ids),
        addrs,
        spid,
        [shim_of(c) for c in ids],
    )
    pa, pb = task_pid(ids[0]), task_pid(ids[1])
    ca, cb = (cgroup_of(pa) if pa else None), (cgroup_of(pb) if pb else None)
    check(
        "one shim per pod: each container has its own task process and cgroup",
        pa and pb and pa != pb and ca and cb and ca != cb
        and ca.endswith(ids[0]) and cb.endswith(ids[1]),
        pa,
        pb,
        ca,
        cb,
    )
    if pa:
        os.kill(pa, signal.SIGKILL)  # a crash of one task
    st = wait_exit(ids[0])
    time.sleep(0.3)
    sb = cstatus(ids[1]).status
    check(
        "one shim per pod: a crashed container (%s) leaves the other RUNNING and the shim"
        % st.exit_code,
        st.state == api.CONTAINER_EXITED and st.exit_code == 137
        and sb.state == api.CONTAINER_RUNNING and shim_of(pid) == spid,
        str(st),
        str(sb),
    )
    call(rt.RemoveContainer, api.RemoveContainerRequest(container_id=ids[0]))
    time.sleep(0.3)
    sb = cstatus(ids[1]).status
    check(
        "one shim per pod: removing one container leaves the other RUNNING and the shim",
        sb.state == api.CONTAINER_RUNNING and shim_of(pid) == spid,
        str(sb),
    )
    remove_pod(pid)
    end = time.time() + 20
    while time.time() < end and spid and os.path.exists("/proc/%d" % spid):
        time.sleep(0.05)
    check(
        "one shim per pod: the shim exits when the pod is removed",
        spid and not os.path.exists("/proc/%d" % spid),
        spid,
    )


def t_restart_loop():
    """The kubelet's restart policy: create and start again after each exit, 20 times, removing
    the dead attempts; nothing may pile up."""
    pid, cfg = run_pod("loop")
    prev = None
    codes = []
    ids = []
    addrs = []
    # Each attempt exits 3 only once the test has read its shim address: containerd removes
    # the bundle (and its `address` file) as soon as the task is deleted after its exit.
    gate = os.path.join(T, "loop-gate")
    os.makedirs(gate, exist_ok=True)
    m = [api.Mount(container_path="/gate", host_path=gate, readonly=True)]
    for attempt in range(20):
        cc, _ = container_config(
            cfg, "crash", ["/probe.wasm"], ["gate", "/gate/%d" % attempt, "3"], attempt=attempt,
            mounts=m,
        )
        cid = create(pid, cfg, cc)
        ids.append(cid)
        start(cid)
        addrs.append(task_address(cid))
        open(os.path.join(gate, str(attempt)), "w").close()
        st = wait_exit(cid)
        codes.append(st.exit_code)
        if prev:
            call(rt.RemoveContainer, api.RemoveContainerRequest(container_id=prev))
        prev = cid
    call(rt.RemoveContainer, api.RemoveContainerRequest(container_id=prev))
    check("restart loop: 20 attempts, each exits 3", codes == [3] * 20, codes)
    left = call(
        rt.ListContainers, api.ListContainersRequest(filter=api.ContainerFilter(pod_sandbox_id=pid))
    ).containers
    check("restart loop: no container left in the pod", not left, [c.id for c in left])
    shims = [c for c in ids if shim_of(c)]
    check(
        "restart loop: no shim left (the pod sandbox's runs on)", not shims and shim_of(pid), shims
    )
    check(
        "restart loop: every attempt ran on the pod's one shim",
        set(addrs) == {task_address(pid)},
        set(addrs),
        task_address(pid),
    )
    f = [x for x in fifos() if any(c in x for c in ids)]
    check("restart loop: no fifo left", not f, f)
    parent = cfg.linux.cgroup_parent
    kids = [
        d
        for d in glob.glob(os.path.join(CGROOT, "*", parent.lstrip("/"), "*"))
        if os.path.isdir(d) and os.path.basename(d) in ids
    ]
    check("restart loop: no cgroup left", not kids, kids)
    m = [l.split()[1] for l in open("/proc/mounts") if any(c in l.split()[1] for c in ids)]
    check("restart loop: no mount left", not m, m)
    procs = subprocess.run(
        ["pgrep", "-f", "__chibi_task --id (%s)" % "|".join(ids)], capture_output=True, text=True
    ).stdout.split()
    check("restart loop: no task process left", not procs, procs)
    remove_pod(pid)


def fifos():
    out = []
    for root in (os.path.join(T, "state"), os.path.join(T, "root")):
        for dp, dn, fn in os.walk(root):
            for f in fn:
                p = os.path.join(dp, f)
                try:
                    if stat.S_ISFIFO(os.lstat(p).st_mode):
                        out.append(p)
                except OSError:
                    pass
    return out


def count_rootfs_mounts():
    # The sandbox (pause) of a chibi pod has no rootfs mount of its own to worry about: count
    # the containers' rootfs mounts (not the sandboxes' shm, which CRI owns).
    n = 0
    for line in open("/proc/mounts"):
        mp = line.split()[1]
        if mp.startswith(T) and mp.endswith("/rootfs"):
            n += 1
    return n


def t_cni_pod():
    """A pod on the CNI bridge (the test's own private subnet): it gets an address there, the
    address is reachable from the node, and StopPodSandbox releases it."""
    pid, cfg = run_pod("net", net="pod")
    ps = pstatus(pid, verbose=True)
    ip = ps.status.network.ip
    prefix = SUBNET.rsplit(".", 1)[0] + "."
    check(
        "CNI pod gets an address on the test bridge (%s)" % ip,
        ip.startswith(prefix),
        str(ps.status),
    )
    info = json.loads(ps.info.get("info", "{}"))
    netns = None
    for ns in info.get("runtimeSpec", {}).get("linux", {}).get("namespaces") or []:
        if ns.get("type") == "network":
            netns = ns.get("path")
    netns = netns or info.get("netNamespacePath")
    ok_conn = False
    detail = "netns %s" % netns
    if netns and ip.startswith(prefix):
        srv = subprocess.Popen(
            [
                "nsenter",
                "--net=" + netns,
                sys.executable,
                "-c",
                "import socket;s=socket.socket();s.bind(('%s',18080));s.listen(1);"
                "print('up',flush=True);c,_=s.accept();c.sendall(b'pod says hi');c.close()" % ip,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        line = srv.stdout.readline()
        try:
            c = socket.create_connection((ip, 18080), timeout=5)
            data = c.recv(100)
            c.close()
            ok_conn = data == b"pod says hi"
            detail = data
        except OSError as e:
            detail = "%s (%s)" % (e, line)
        srv.kill()
        srv.wait()
    check("the pod's address is reachable from the node through the bridge", ok_conn, detail)
    lo = subprocess.run(
        ["nsenter", "--net=" + (netns or "/nonexistent"), "ip", "-o", "addr", "show", "lo"],
        capture_output=True,
        text=True,
    ).stdout
    check(
        "the loopback plugin brought the pod's lo up (127.0.0.1)", "127.0.0.1/8" in lo and netns, lo
    )
    cc, _ = container_config(cfg, "hello", ["/podprobe.wasm"], ["say", "on", "the", "bridge"])
    cid = create(pid, cfg, cc)
    start(cid)
    st = wait_exit(cid)
    check(
        "a wasm container runs in the CNI pod",
        st.exit_code == 0 and "args: on the bridge" in log_text(read_log(log_path(cfg, cc))),
        str(st),
    )
    call(rt.StopPodSandbox, api.StopPodSandboxRequest(pod_sandbox_id=pid))
    ipam = glob.glob(os.path.join(T, "cni-ipam", "*", prefix + "*"))
    check("StopPodSandbox releases the pod's address", not ipam, ipam)
    call(rt.RemovePodSandbox, api.RemovePodSandboxRequest(pod_sandbox_id=pid))


def t_runc_pod():
    """The same containerd runs runc pods beside chibi pods (runc kept in the config)."""
    pid, cfg = run_pod("native", handler="runc", net="pod")
    cc, _ = container_config(cfg, "hello", ["/hello"], [], image=NATIVE_IMG)
    cid = create(pid, cfg, cc)
    start(cid)
    st = wait_exit(cid)
    check(
        "a runc pod (native pause + native hello) beside the chibi pods",
        st.exit_code == 0 and st.reason == "Completed",
        str(st),
        log_text(read_log(log_path(cfg, cc))),
    )
    remove_pod(pid)


def t_before_restart():
    """Pods left running across a containerd restart (checked by --phase restart)."""
    pid, cfg = run_pod("survivor")
    cc, _ = container_config(cfg, "sleeper", ["/probe.wasm"], ["sleep", "60"])
    cid = create(pid, cfg, cc)
    start(cid)
    cc2, _ = container_config(cfg, "quick", ["/podprobe.wasm"], ["log", "3", "1000"])
    c2 = create(pid, cfg, cc2)
    start(c2)
    ok_ = wait_state(cid, api.CONTAINER_RUNNING).state == api.CONTAINER_RUNNING
    check("pods running before the containerd restart", ok_)
    json.dump(
        {
            "pod": pid,
            "sleeper": cid,
            "quick": c2,
            "quick_log": log_path(cfg, cc2),
            "shim": shim_of(pid),
        },
        open(STATE, "w"),
    )


# ---- phase restart -------------------------------------------------------------------------


def t_after_restart():
    s = json.load(open(STATE))
    deadline = time.time() + 20
    ps = None
    while time.time() < deadline:
        try:
            ps = pstatus(s["pod"]).status
            break
        except grpc.RpcError:
            time.sleep(0.2)
    check(
        "after a containerd restart the pod is still READY",
        ps and ps.state == api.SANDBOX_READY,
        str(ps),
    )
    st = cstatus(s["sleeper"]).status
    check(
        "after a containerd restart the running container is RUNNING",
        st.state == api.CONTAINER_RUNNING,
        str(st),
    )
    check(
        "after a containerd restart the pod still has its one shim",
        s["shim"] and shim_of(s["pod"]) == s["shim"]
        and task_address(s["sleeper"]) == task_address(s["pod"]),
        s["shim"],
        shim_of(s["pod"]),
    )
    st = wait_exit(s["quick"], 10)
    text = log_text(read_log(s["quick_log"]))
    check(
        "a container that ran on through the restart exits 0 with its whole log",
        st.state == api.CONTAINER_EXITED
        and st.exit_code == 0
        and text == ["err 1", "out 2", "err 3"],
        str(st),
        text,
    )
    t0 = time.time()
    call(rt.StopPodSandbox, api.StopPodSandboxRequest(pod_sandbox_id=s["pod"]), timeout=30)
    st = cstatus(s["sleeper"]).status
    check(
        "StopPodSandbox after the restart stops its containers (%.1f s)" % (time.time() - t0),
        st.state == api.CONTAINER_EXITED,
        str(st),
    )
    call(rt.RemovePodSandbox, api.RemovePodSandboxRequest(pod_sandbox_id=s["pod"]))
    check(
        "RemovePodSandbox after the restart: not stuck",
        not call(
            rt.ListPodSandbox, api.ListPodSandboxRequest(filter=api.PodSandboxFilter(id=s["pod"]))
        ).items,
    )


# ---- phase shimkill ------------------------------------------------------------------------


def t_shimkill():
    pid, cfg = run_pod("shimkill")
    cc, _ = container_config(cfg, "victim", ["/probe.wasm"], ["sleep", "60"])
    cid = create(pid, cfg, cc)
    start(cid)
    wait_state(cid, api.CONTAINER_RUNNING)
    # One shim serves the pod (the sandbox's): killing it takes the container's connection too.
    spid = shim_of(pid)
    check(
        "the pod's shim is found and serves the container",
        spid is not None and task_address(cid) == task_address(pid),
        spid,
    )
    if spid:
        os.kill(spid, signal.SIGKILL)
    st = wait_exit(cid, 15)
    check(
        "SIGKILLed pod shim: the container is EXITED (%s, %s)" % (st.exit_code, st.reason),
        st.state == api.CONTAINER_EXITED,
        str(st),
    )
    time.sleep(0.5)
    t0 = time.time()
    err = rpc_error(lambda: remove_pod(pid))
    check(
        "SIGKILLed pod shim: StopPodSandbox + RemovePodSandbox succeed (%.1f s)"
        % (time.time() - t0),
        err is None,
        err,
    )
    left = call(rt.ListPodSandbox, api.ListPodSandboxRequest()).items
    check(
        "no pod left (none stuck terminating)",
        not left,
        ["%s %s" % (p.metadata.name, api.PodSandboxState.Name(p.state)) for p in left],
    )


def t_bootstrap_23():
    """containerd 2.3's start: BootstrapParams (protobuf) on stdin, a BootstrapResult back.  No
    2.3 is packaged in Debian, so this drives `start` the way its documentation says 2.3 does:
    flags and params together, then params alone (a containerd that dropped the flags)."""
    from containerd import bootstrap_pb2 as boot

    shim = os.path.join(os.environ["BUILD"], "containerd-shim-chibi-v1")
    for name, flags in (("with flags", True), ("params alone", False)):
        cid = "boot23-" + ("f" if flags else "p")
        bundle = os.path.join(T, "bundles", cid)
        os.makedirs(bundle, exist_ok=True)
        params = boot.BootstrapParams(
            instance_id=cid,
            namespace="chibi-boot",
            log_level=-4,
            containerd_version="v2.3.0",
            containerd_ttrpc_address="unix://%s/c.sock.ttrpc" % T,
            containerd_grpc_address="unix://%s/c.sock" % T,
            containerd_binary=os.path.join(os.environ["CTRD_DIR"], "containerd"),
        )
        argv = [shim]
        if flags:
            argv += [
                "-namespace",
                "chibi-boot",
                "-address",
                "%s/c.sock" % T,
                "-publish-binary",
                params.containerd_binary,
                "-id",
                cid,
            ]
        env = dict(os.environ)
        env.pop("TTRPC_ADDRESS", None)
        r = subprocess.run(
            argv + ["start"],
            input=params.SerializeToString(),
            cwd=bundle,
            capture_output=True,
            env=env,
            timeout=20,
        )
        res = boot.BootstrapResult()
        try:
            res.ParseFromString(r.stdout)
        except Exception:  # noqa: BLE001 - a decode failure is the finding; check() reports it
            res = None
        path = res.address[len("unix://") :] if res and res.address.startswith("unix://") else ""
        alive = False
        if path:
            try:
                s = socket.socket(socket.AF_UNIX)
                s.connect(path)
                s.close()
                alive = True
            except OSError:
                pass
        check(
            "bootstrap protocol (2.3), %s: start answers a BootstrapResult (version 2, ttrpc) "
            "whose address serves" % name,
            r.returncode == 0
            and res is not None
            and res.version == 2
            and res.protocol == "ttrpc"
            and alive,
            r.returncode,
            r.stdout[:200],
            r.stderr.decode(errors="replace"),
        )
        # The daemon is start's child: until it has exec'ed it has start's command line and
        # environment, so wait for the exec'ed one (its own -id flag) to show.
        pid, daemon_env, want = None, [], ("TTRPC_ADDRESS=%s/c.sock.ttrpc" % T).encode()
        end = time.time() + 20
        while time.time() < end:
            pid = shim_of(cid)
            try:
                daemon_env = open("/proc/%d/environ" % pid, "rb").read().split(b"\0") if pid else []
            except OSError:
                daemon_env = []
            if want in daemon_env:
                break
            time.sleep(0.02)
        check(
            "bootstrap protocol (2.3), %s: the daemon got TTRPC_ADDRESS from the params" % name,
            want in daemon_env,
            pid,
        )
        if pid:
            kill_wait(pid, res.address if res else None)
        subprocess.run(
            [
                shim,
                "-namespace",
                "chibi-boot",
                "-address",
                "%s/c.sock" % T,
                "-id",
                cid,
                "-bundle",
                bundle,
                "delete",
            ],
            cwd=bundle,
            capture_output=True,
            timeout=20,
        )
    # <= 2.2 with runtime options on stdin (a protobuf Any): still the bare address.
    cid = "boot22"
    bundle = os.path.join(T, "bundles", cid)
    os.makedirs(bundle, exist_ok=True)
    from google.protobuf import any_pb2

    opts = any_pb2.Any(type_url="containerd.runc.v1.Options", value=b"\x0a\x04runc")
    r = subprocess.run(
        [shim, "-namespace", "chibi-boot", "-address", "%s/c.sock" % T, "-id", cid, "start"],
        input=opts.SerializeToString(),
        cwd=bundle,
        capture_output=True,
        timeout=20,
    )
    check(
        "legacy start (<= 2.2) with runtime options on stdin: the bare address",
        r.returncode == 0 and r.stdout.startswith(b"unix:///"),
        r.stdout[:200],
        r.stderr,
    )
    # The daemon (start's child, re-exec'ed with its own flags) may take a while to show
    # under load; its address is the one start printed.
    end = time.time() + 20
    while time.time() < end:
        pid = shim_of(cid)
        try:
            if pid and b"-id" in open("/proc/%d/cmdline" % pid, "rb").read():
                break
        except OSError:
            pass
        time.sleep(0.02)
    if pid:
        kill_wait(pid, r.stdout.decode(errors="replace").strip())
    subprocess.run(
        [
            shim,
            "-namespace",
            "chibi-boot",
            "-address",
            "%s/c.sock" % T,
            "-id",
            cid,
            "-bundle",
            bundle,
            "delete",
        ],
        cwd=bundle,
        capture_output=True,
        timeout=20,
    )


def t_leftovers():
    # Shims exit and their sockets go asynchronously after the last delete: give them until a
    # deadline (a loaded machine is slow), then everything must be gone.
    end = time.time() + 20
    while time.time() < end and (shim_pids() or glob.glob(os.path.join(T, "s", "*"))):
        time.sleep(0.1)
    check("no stray shim processes", not shim_pids(), shim_pids())
    pids = task_pids_in(CG_PARENT)
    check("no stray task processes in the pods' cgroups", not pids, pids)
    check("no stray rootfs mounts", count_rootfs_mounts() == 0)
    ms = [
        l.split()[1]
        for l in open("/proc/mounts")
        if l.split()[1].startswith(os.path.join(T, "state"))
    ]
    check("no stray mounts under containerd's state", not ms, ms)
    cgs = [
        d
        for d in glob.glob(os.path.join(CGROOT, "*", CG_PARENT.lstrip("/"), "*", "*"))
        if os.path.isdir(d)
    ]
    check("no stray container cgroups", not cgs, cgs[:5])
    check("no stray fifos", not fifos(), fifos()[:5])
    socks = glob.glob(os.path.join(T, "s", "*"))
    check("no stray shim sockets", not socks, socks)


# ---- bench (not a test: make bench-cri) -----------------------------------------------------


def start_hello_pod(handler, name):
    """RunPodSandbox + CreateContainer + StartContainer of hello under handler (chibi: the wasm
    probe saying hello; runc: the native hello).  Returns (pod id, pod cfg, container cfg,
    container id)."""
    pid, cfg = run_pod(name, handler=handler)
    if handler == "chibi":
        cc, _ = container_config(cfg, "hello", ["/podprobe.wasm"], ["say", "hello"])
    else:
        cc, _ = container_config(cfg, "hello", ["/hello"], [], image=NATIVE_IMG)
    cid = create(pid, cfg, cc)
    start(cid)
    return pid, cfg, cc, cid


def pod_life(handler, n, first_line=True):
    """One pod as the kubelet starts it: RunPodSandbox + CreateContainer + StartContainer, to the
    first line in the container's log.  Returns (seconds to the first log line, pod id, cfg)."""
    t0 = time.perf_counter()
    pid, cfg, cc, cid = start_hello_pod(handler, "bench-%s-%d" % (handler, n))
    path = log_path(cfg, cc)
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            if os.path.getsize(path) > 0:
                break
        except OSError:
            pass
        time.sleep(0.0005)
    return time.perf_counter() - t0, pid, cid


def t_bench():
    n_lat = int(os.environ.get("CRI_BENCH_LATENCY", "20"))
    n_seq = int(os.environ.get("CRI_BENCH_PODS", "100"))
    handlers = ("chibi", "runc")
    for h in handlers:  # warm-up: images, shim binaries and page cache
        for i in range(3):
            _, pid, _ = pod_life(h, 900 + i)
            remove_pod(pid)
    lat = {h: [] for h in handlers}
    for i in range(n_lat):  # interleaved, so drift hits both alike
        for h in handlers:
            dt, pid, _ = pod_life(h, i)
            lat[h].append(dt * 1000)
            remove_pod(pid)
    seq = {}
    for h in handlers:
        t0 = time.perf_counter()
        for i in range(n_seq):
            _, pid, cid = pod_life(h, 1000 + i)
            wait_exit(cid)
            remove_pod(pid)
        seq[h] = time.perf_counter() - t0

    def q(v, f):
        v = sorted(v)
        return v[min(len(v) - 1, int(f * len(v)))]

    print(
        "bench: pod start through CRI (RunPodSandbox + CreateContainer + StartContainer to the "
        "first log line), %d interleaved pods each, ms" % n_lat
    )
    for h in handlers:
        print(
            "bench: %-6s median %7.1f  p90 %7.1f  min %7.1f"
            % (h, q(lat[h], 0.5), q(lat[h], 0.9), min(lat[h]))
        )
    print("bench: ratio chibi/runc (median) %.2f" % (q(lat["chibi"], 0.5) / q(lat["runc"], 0.5)))
    print("bench: %d sequential pods each (start, run to exit, stop, remove)" % n_seq)
    for h in handlers:
        print("bench: %-6s %6.1f s  %5.2f pods/s" % (h, seq[h], n_seq / seq[h]))
    print("bench: ratio chibi/runc (pods/s) %.2f" % (seq["runc"] / seq["chibi"]))
    ok("bench ran")


# ---- pods (not a test: bench/pods.sh, make bench-pods) ---------------------------------------


def pss_kib(pids):
    """Sum of Pss over the processes (KiB), from /proc/PID/smaps_rollup; gone ones count 0."""
    tot = 0
    for p in pids:
        try:
            for line in open("/proc/%d/smaps_rollup" % p):
                if line.startswith("Pss:"):
                    tot += int(line.split()[1])
                    break
        except (OSError, ValueError):
            pass
    return tot


def pod_boot(handler, tag):
    """RunPodSandbox + CreateContainer + StartContainer of hello, timed until ContainerStatus
    leaves CREATED (RUNNING or already EXITED).  Returns (seconds, pod id, container id)."""
    t0 = time.perf_counter()
    pid, cfg, cc, cid = start_hello_pod(handler, "pods-%s" % tag)
    st = cstatus(cid).status
    deadline = time.time() + 20
    while st.state == api.CONTAINER_CREATED and time.time() < deadline:
        time.sleep(0.002)
        st = cstatus(cid).status
    dt = time.perf_counter() - t0
    if st.state == api.CONTAINER_CREATED:
        raise RuntimeError("%s pod %s: container still CREATED after 20 s" % (handler, tag))
    return dt, pid, cid


def med(v):
    v = sorted(v)
    n = len(v)
    return (v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2) if n else float("nan")


def load1():
    return "%.1f" % os.getloadavg()[0]


def t_pods():
    """Pods through CRI, chibi against runc (issue 19): N sequential pod boots, interleaved
    pod by pod (ABBA), and N pods alive at once with the PSS of every process they cost."""
    boots = [int(x) for x in os.environ.get("PODS_BOOTS", "1 10 100").split()]
    alive = [int(x) for x in os.environ.get("PODS_ALIVE", "1 10 100").split()]
    handlers = ("chibi", "runc")
    for h in handlers:  # warm-up: images, shim binaries, page cache
        for i in range(2):
            _, pid, cid = pod_boot(h, "warm-%s-%d" % (h, i))
            wait_exit(cid)
            remove_pod(pid)
    rows = []
    for n in boots:
        dts = {h: [] for h in handlers}
        l0 = load1()
        for i in range(n):
            order = handlers if i % 2 == 0 else handlers[::-1]
            for h in order:
                dt, pid, cid = pod_boot(h, "b%d-%s-%d" % (n, h, i))
                dts[h].append(dt * 1000)
                wait_exit(cid)
                remove_pod(pid)
                del PODS[:]
        l1 = load1()
        rows.append((n, dts, l0, l1))
        print("pods: boots N=%d chibi median %.1f ms, runc median %.1f ms (load %s-%s)"
              % (n, med(dts["chibi"]), med(dts["runc"]), l0, l1), flush=True)
    mem = []
    for j, n in enumerate(alive):
        for h in handlers if j % 2 == 0 else handlers[::-1]:
            l0 = load1()
            pods, cids = [], []
            t0 = time.perf_counter()
            for i in range(n):
                pid, cfg = run_pod("pods-a%d-%s-%d" % (n, h, i), handler=h)
                if h == "chibi":
                    cc, _ = container_config(cfg, "sleeper", ["/probe.wasm"], ["sleep", "100000"])
                else:
                    cc, _ = container_config(cfg, "sleeper", ["/pause"], [], image=PAUSE_IMG)
                cid = create(pid, cfg, cc)
                start(cid)
                pods.append(pid)
                cids.append(cid)
            up = sum(wait_state(c, api.CONTAINER_RUNNING).state == api.CONTAINER_RUNNING
                     for c in cids)
            t_up = time.perf_counter() - t0
            time.sleep(1)
            shims = set(shim_pids())
            tasks = task_pids_in(CG_PARENT) - shims
            s_pss, t_pss = pss_kib(shims), pss_kib(tasks)
            comms = {}
            for p in sorted(shims | tasks):
                try:
                    c = open("/proc/%d/comm" % p).read().strip()
                except OSError:
                    continue
                comms[c] = comms.get(c, 0) + 1
            l1 = load1()
            mem.append((n, h, up, len(shims), len(tasks), s_pss, t_pss, t_up, l0, l1))
            print("pods: alive N=%d %s: %d running, %d shims + %d task processes, "
                  "PSS %.0f KiB per pod (load %s-%s); processes %s"
                  % (n, h, up, len(shims), len(tasks), (s_pss + t_pss) / max(up, 1), l0, l1,
                     " ".join("%s x%d" % kv for kv in sorted(comms.items()))),
                  flush=True)
            for pid in pods:
                remove_pod(pid)
            del PODS[:]
            end = time.time() + 30
            while shim_pids() and time.time() < end:
                time.sleep(0.1)
    print("pods: == pods through CRI: chibi (handler chibi, podprobe.wasm) vs runc "
          "(static native hello; pause as sleeper) ==")
    print("pods: sequential pod boots (RunPodSandbox + CreateContainer + StartContainer until "
          "the container is RUNNING or EXITED), interleaved chibi/runc; ms")
    print("pods: %5s  %8s %8s  %8s %8s  %6s  %s" % ("N", "chibi med", "sum s", "runc med",
                                                     "sum s", "ratio", "load"))
    for n, d, l0, l1 in rows:
        mc, mr = med(d["chibi"]), med(d["runc"])
        print("pods: %5d  %8.1f %8.2f  %8.1f %8.2f  %5.2fx  %s-%s"
              % (n, mc, sum(d["chibi"]) / 1000, mr, sum(d["runc"]) / 1000, mc / mr, l0, l1))
    print("pods: N pods alive (host network, one sleeper container each): PSS per pod in KiB "
          "of every shim and every process in the pods' cgroups")
    print("pods: %5s %-6s %7s %6s %6s %8s %8s %8s %7s  %s" % (
        "N", "", "running", "shims", "tasks", "shim PSS", "task PSS", "PSS/pod", "up s", "load"))
    per = {}
    for n, h, up, ns, nt, sp, tp, tu, l0, l1 in mem:
        per[(n, h)] = (sp + tp) / max(up, 1)
        print("pods: %5d %-6s %7d %6d %6d %8.0f %8.0f %8.0f %7.1f  %s-%s" % (
            n, h, up, ns, nt, sp / max(up, 1), tp / max(up, 1), per[(n, h)], tu, l0, l1))
    print("pods: PSS per pod chibi/runc: " + ", ".join(
        "N=%d %.2fx" % (n, per[(n, "chibi")] / per[(n, "runc")])
        for n in alive if per.get((n, "runc"))))
    ok("pods bench ran")


PHASES = {
    "life": [
        t_version_status,
        t_images,
        t_basic_pod,
        t_sigkill_grace,
        t_logs,
        t_exec_refused,
        t_stats_update,
        t_filters,
        t_shared_volume,
        t_pod_shim,
        t_oom,
        t_restart_loop,
        t_cni_pod,
        t_runc_pod,
        t_before_restart,
    ],
    "restart": [t_after_restart],
    "shimkill": [t_shimkill, t_bootstrap_23, t_leftovers],
    "bench": [t_bench, t_leftovers],
    "pods": [t_pods, t_leftovers],
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--phase", choices=PHASES, required=True)
    ap.add_argument("--only", help="comma-separated test names (debugging)")
    a = ap.parse_args()
    only = set(a.only.split(",")) if a.only else None
    for fn in PHASES[a.phase]:
        if only and fn.__name__ not in only:
            continue
        run_test(fn)
    print("cri %s: %d passed, %d failed" % (a.phase, PASS, FAIL), flush=True)
    sys.exit(1 if FAIL else 0)


if __name__ == "__main__":
    main()
