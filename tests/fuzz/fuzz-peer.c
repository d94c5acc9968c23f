/*
 * The client end of an in-process control-plane server, for the qtest
 * and QMP fuzz targets (fuzz-peer.h).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "qaccel-config.h"
#include <qaccel/accel.h>
#include <qaccel/config.h>
#include <qaccel/machine.h>
#include "fuzz.h"
#include "fuzz-peer.h"

static G_GNUC_NORETURN void die(const char *what, const char *why)
{
    g_printerr("fuzz peer: %s: %s\n", what, why);
    abort();
}

char *fuzz_peer_listen(FuzzPeer *p)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    g_autoptr(GError) err = NULL;

    p->verbose = g_getenv("QA_FUZZ_VERBOSE") != NULL;
    p->dir = g_dir_make_tmp("qa-fuzz-XXXXXX", &err);
    if (!p->dir) {
        die("tmpdir", err->message);
    }
    p->path = g_build_filename(p->dir, "peer.sock", NULL);
    p->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (p->lfd < 0 || strlen(p->path) >= sizeof(sa.sun_path)) {
        die("socket", g_strerror(errno));
    }
    strcpy(sa.sun_path, p->path);
    if (bind(p->lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
        listen(p->lfd, 1) < 0) {
        die(p->path, g_strerror(errno));
    }
    p->rx = g_string_new(NULL);
    return g_strconcat("unix:", p->path, NULL);
}

void fuzz_peer_accept(FuzzPeer *p)
{
    p->fd = accept4(p->lfd, NULL, NULL, SOCK_CLOEXEC);
    if (p->fd < 0) {
        die("accept", g_strerror(errno));
    }
    close(p->lfd);
    unlink(p->path);
    rmdir(p->dir);
}

static void take(FuzzPeer *p)
{
    char buf[65536];
    ssize_t n;

    while ((n = recv(p->fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
        g_string_append_len(p->rx, buf, n);
    }
    if (n == 0) {
        die("recv", "the server closed the connection");
    }
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        die("recv", g_strerror(errno));
    }
}

void fuzz_peer_pump(FuzzPeer *p)
{
    while (g_main_context_iteration(NULL, FALSE)) {
    }
    take(p);
}

void fuzz_peer_wait(FuzzPeer *p)
{
    g_main_context_iteration(NULL, TRUE);
    take(p);
}

void fuzz_peer_send(FuzzPeer *p, const char *buf, size_t len)
{
    while (len) {
        ssize_t n = send(p->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n > 0) {
            buf += n;
            len -= n;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            /* the server is behind: let it read (and reply) */
            fuzz_peer_wait(p);
        } else if (n < 0 && errno != EINTR) {
            die("send", g_strerror(errno));
        }
    }
}

/*
 * How the input is cut into writes: byte by byte (1 in 8), whole (3 in
 * 8) or in random pieces of 1..64 bytes, chosen by a hash of the input so
 * that the same input is always cut the same way.
 */
void fuzz_chunker_init(FuzzChunker *ck, const uint8_t *data, size_t size)
{
    ck->st = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < size; i++) {
        ck->st = (ck->st ^ data[i]) * 0x100000001b3ull;
    }
    ck->mode = ck->st >> 56;
}

size_t fuzz_chunker_next(FuzzChunker *ck, size_t left)
{
    if (ck->mode < 32) {
        return 1;
    }
    if (ck->mode < 128) {
        return left;
    }
    ck->st = ck->st * 6364136223846793005ull + 1442695040888963407ull;
    return MIN(left, 1 + (ck->st >> 33) % 64);
}

static void discard(void *opaque, const char *buf, size_t len)
{
}

QaSystem *fuzz_system_start(void)
{
    const char *name = g_getenv("QA_FUZZ_MACHINE");
    g_autofree char *conf = NULL;
    g_autoptr(GError) err = NULL;
    QaActions actions = qa_actions_default();
    QaMachineConfig *cfg;
    QaSystem *sys;
    QaMachine *m;
    QaAccel *accel;

    qa_types_register_builtin();
    name = name ? name : "q35-lite";
    conf =
        g_strdup_printf("%s/configs/machines/%s.conf", QACCEL_SOURCE_DIR, name);
    /* the machine keeps pointing at its config: never freed */
    cfg = qa_machine_config_load(conf, &err);
    m = cfg ? qa_machine_create(cfg, &err) : NULL;
    accel = m ? qa_accel_select("qtest", &err) : NULL;
    if (!accel || !qa_accel_init_machine(accel, m, &err)) {
        die(name, err->message);
    }
    /* guest console bytes (UART, SBI DBCN, debugcon) are noise here */
    m->console = (QaConsoleSink){discard, NULL};
    sys = qa_system_new(m, &actions, NULL);
    if (!qa_system_start(sys, &err)) {
        die("start", err->message);
    }
    return sys;
}
