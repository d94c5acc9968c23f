/*
 * The client side of a control-plane server (qtest, QMP) running in the
 * fuzz target's own process: the target listens, the server connects
 * ("unix:PATH", as with QEMU's -qtest unix:PATH), and the target pumps
 * the default main context while it talks.  See fuzz-peer.c.
 */
#ifndef QACCEL_TESTS_FUZZ_PEER_H
#define QACCEL_TESTS_FUZZ_PEER_H

#include <glib.h>
#include <qaccel/runstate.h>

typedef struct FuzzPeer {
    int fd;       /* our end of the connection */
    int lfd;      /* listening socket until fuzz_peer_accept() */
    char *dir;    /* temporary directory of the socket */
    char *path;   /* the socket */
    GString *rx;  /* received bytes not yet taken */
    bool verbose; /* $QA_FUZZ_VERBOSE: print what goes either way */
} FuzzPeer;

/*
 * fuzz_peer_listen: listen on a new socket; returns the chardev spec
 * ("unix:PATH") to hand to the server (g_free).  Aborts on failure.
 */
char *fuzz_peer_listen(FuzzPeer *p);

/* fuzz_peer_accept: take the server's connection (it connected already). */
void fuzz_peer_accept(FuzzPeer *p);

/*
 * fuzz_peer_pump: run the main context until nothing is ready, then
 * append whatever arrived to p->rx.  Aborts if the server hung up.
 */
void fuzz_peer_pump(FuzzPeer *p);

/* fuzz_peer_wait: block in the main context once, then take input. */
void fuzz_peer_wait(FuzzPeer *p);

/* fuzz_peer_send: write all of @buf, letting the server run meanwhile. */
void fuzz_peer_send(FuzzPeer *p, const char *buf, size_t len);

/* fuzz_peer_chunk: chunk sizes derived from a hash (see fuzz-peer.c). */
typedef struct FuzzChunker {
    uint64_t st;
    unsigned mode;
} FuzzChunker;

void fuzz_chunker_init(FuzzChunker *ck, const uint8_t *data, size_t size);
size_t fuzz_chunker_next(FuzzChunker *ck, size_t left);

/*
 * fuzz_system_start: the built-in board named by $QA_FUZZ_MACHINE
 * (default q35-lite) on the qtest accelerator, running, with its guest
 * console discarded.  Lives until the process ends.  Aborts on failure.
 */
QaSystem *fuzz_system_start(void);

#endif
