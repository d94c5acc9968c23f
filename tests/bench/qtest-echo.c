/*
 * The floor for the qtest benchmark: a trivial server that speaks the
 * same transport as qaccel's qtest server (it connects to a listening
 * UNIX socket, reads lines, writes one reply per line, all replies of one
 * read in one write) and does no work: "readX" gets a fixed 16-digit
 * value, "b64read ADDR SIZE" a cached base64 string of SIZE zero bytes,
 * anything else "OK".
 *
 * usage: qtest-echo unix:PATH
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <glib.h>

static GString *out;
static char *b64_cache;
static size_t b64_size = (size_t)-1;

static void reply(const char *line, size_t len)
{
    if (len >= 8 && !strncmp(line, "b64read ", 8)) {
        const char *sz = strchr(line + 8, ' ');
        size_t n = sz ? strtoul(sz + 1, NULL, 0) : 0;
        if (n != b64_size) {
            g_autofree guchar *zero = g_malloc0(n);
            g_free(b64_cache);
            b64_cache = g_base64_encode(zero, n);
            b64_size = n;
        }
        g_string_append(out, "OK ");
        g_string_append(out, b64_cache);
        g_string_append_c(out, '\n');
    } else if (len >= 5 && !strncmp(line, "read", 4) && line[5] == ' ') {
        g_string_append(out, "OK 0x0000000000000000\n");
    } else {
        g_string_append(out, "OK\n");
    }
}

int main(int argc, char **argv)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    GString *in = g_string_new(NULL);
    static char buf[256 * 1024];
    int fd;

    if (argc != 2 || strncmp(argv[1], "unix:", 5) != 0) {
        fprintf(stderr, "usage: %s unix:PATH\n", argv[0]);
        return 2;
    }
    g_strlcpy(sa.sun_path, argv[1] + 5, sizeof(sa.sun_path));
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        perror("connect");
        return 1;
    }
    out = g_string_sized_new(1 << 20);
    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));
        size_t start = 0;

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return 0;
        }
        g_string_append_len(in, buf, n);
        for (char *nl; (nl = memchr(in->str + start, '\n', in->len - start));) {
            reply(in->str + start, nl - (in->str + start));
            start = nl - in->str + 1;
        }
        g_string_erase(in, 0, start);
        if (out->len) {
            const char *p = out->str;
            size_t left = out->len;
            while (left) {
                ssize_t w = write(fd, p, left);
                if (w < 0 && errno == EINTR) {
                    continue;
                }
                if (w < 0) {
                    return 1;
                }
                p += w;
                left -= w;
            }
            g_string_truncate(out, 0);
        }
    }
}
