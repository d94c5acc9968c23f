/*
 * peak-rss: run a command and report its peak resident set size and how
 * much of its guest RAM was resident when it exited.
 *
 *   peak-rss [-g MIN_MIB] -- COMMAND [ARGS...]
 *   -> "hwm_kb=N guest_kb=M status=S" on stderr, exit status of COMMAND
 *
 * getrusage()'s ru_maxrss is not usable here: it also counts the memory of
 * the process image before exec (the forked benchmark driver).  Instead
 * the command runs under ptrace with PTRACE_O_TRACEEXIT, and at the exit
 * stop of its main thread -- when its memory still exists -- we read
 * VmHWM from /proc/PID/status and sum the Rss of the anonymous mappings
 * of at least MIN_MIB (default 64), which are guest RAM for kvm-raw,
 * qaccel and QEMU alike.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

static unsigned long status_field(pid_t pid, const char *key)
{
    char path[64], line[256];
    unsigned long v = 0;
    size_t klen = strlen(key);
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    f = fopen(path, "r");
    if (!f) {
        return 0;
    }
    while (fgets(line, sizeof(line), f)) {
        if (!strncmp(line, key, klen) && line[klen] == ':') {
            v = strtoul(line + klen + 1, NULL, 10);
            break;
        }
    }
    fclose(f);
    return v;
}

/* Rss of anonymous mappings of at least @min_bytes. */
static unsigned long guest_rss(pid_t pid, unsigned long long min_bytes)
{
    char path[64], line[512];
    unsigned long sum = 0;
    int in_guest = 0;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
    f = fopen(path, "r");
    if (!f) {
        return 0;
    }
    while (fgets(line, sizeof(line), f)) {
        unsigned long long start, end;
        char name[256] = "";

        if (sscanf(line, "%llx-%llx %*s %*s %*s %*s %255s", &start, &end,
                   name) >= 2 &&
            strchr(line, '-') < strchr(line, ' ')) {
            in_guest = end - start >= min_bytes &&
                       (name[0] == 0 || !strncmp(name, "[anon", 5));
        } else if (in_guest && !strncmp(line, "Rss:", 4)) {
            sum += strtoul(line + 4, NULL, 10);
        }
    }
    fclose(f);
    return sum;
}

int main(int argc, char **argv)
{
    unsigned long long min_bytes = 64ull << 20;
    unsigned long hwm = 0, guest = 0;
    int opt, status;
    pid_t pid;

    while ((opt = getopt(argc, argv, "+g:")) != -1) {
        if (opt != 'g') {
            goto usage;
        }
        min_bytes = strtoull(optarg, NULL, 0) << 20;
    }
    if (optind >= argc) {
    usage:
        fprintf(stderr, "usage: peak-rss [-g MIN_MIB] -- COMMAND [ARGS]\n");
        return 125;
    }
    pid = fork();
    if (pid < 0) {
        perror("fork");
        return 125;
    }
    if (pid == 0) {
        ptrace(PTRACE_TRACEME, 0, NULL, NULL);
        raise(SIGSTOP);
        execvp(argv[optind], argv + optind);
        perror(argv[optind]);
        _exit(127);
    }
    if (waitpid(pid, &status, 0) < 0 || !WIFSTOPPED(status)) {
        perror("waitpid");
        return 125;
    }
    ptrace(PTRACE_SETOPTIONS, pid, NULL,
           (void *)(long)(PTRACE_O_TRACEEXIT | PTRACE_O_TRACEEXEC |
                          PTRACE_O_EXITKILL));
    ptrace(PTRACE_CONT, pid, NULL, NULL);
    for (;;) {
        int sig = 0;

        if (waitpid(pid, &status, 0) < 0) {
            if (errno == EINTR) {
                continue;
            }
            perror("waitpid");
            return 125;
        }
        if (WIFEXITED(status) || WIFSIGNALED(status)) {
            break;
        }
        if (status >> 8 == (SIGTRAP | (PTRACE_EVENT_EXIT << 8))) {
            hwm = status_field(pid, "VmHWM");
            guest = guest_rss(pid, min_bytes);
        } else if (status >> 8 != (SIGTRAP | (PTRACE_EVENT_EXEC << 8))) {
            sig = WSTOPSIG(status); /* pass real signals through */
        }
        ptrace(PTRACE_CONT, pid, NULL, (void *)(long)sig);
    }
    fprintf(stderr, "hwm_kb=%lu guest_kb=%lu status=%d\n", hwm, guest,
            WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
