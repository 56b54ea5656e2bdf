/* Paced UDP replayer for bench.flow_receive: sendmmsg in batches, so the sender is not the ceiling.

   flow_sender HOST PORT FILE RATE CYCLES SOURCES

   FILE holds datagrams as (uint32 little-endian length, bytes); the first one is the template.
   Each of SOURCES sockets (own source port, connected to HOST:PORT) sends the template once, then
   the remaining datagrams CYCLES times over; the sources take turns batch by batch. The total
   rate is paced to RATE datagrams/s (0: as fast as possible). Prints one JSON line:
   {"datagrams": N, "bytes": B, "seconds": S, "send_errors": E, "cpu_s": C} (C: its own user+system
   CPU; on loopback that includes the kernel's delivery into the receiving socket). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define BATCH 32

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int load(const char *path, struct iovec **out) {
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); exit(2); }
    int n = 0, cap = 64;
    struct iovec *v = malloc(cap * sizeof *v);
    uint32_t len;
    while (fread(&len, 4, 1, f) == 1) {
        if (n == cap) { cap *= 2; v = realloc(v, cap * sizeof *v); }
        v[n].iov_base = malloc(len);
        v[n].iov_len = len;
        if (fread(v[n].iov_base, 1, len, f) != len) { fprintf(stderr, "%s: short record\n", path); exit(2); }
        n++;
    }
    fclose(f);
    if (n < 2) { fprintf(stderr, "%s: need a template and data\n", path); exit(2); }
    *out = v;
    return n;
}

int main(int argc, char **argv) {
    if (argc != 7) {
        fprintf(stderr, "usage: %s HOST PORT FILE RATE CYCLES SOURCES\n", argv[0]);
        return 2;
    }
    struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[2]))};
    if (inet_pton(AF_INET, argv[1], &dst.sin_addr) != 1) { fprintf(stderr, "bad host\n"); return 2; }
    struct iovec *dg;
    int ndg = load(argv[3], &dg);
    double rate = atof(argv[4]);
    long cycles = atol(argv[5]);
    int nsrc = atoi(argv[6]);
    if (nsrc < 1 || cycles < 1) { fprintf(stderr, "bad counts\n"); return 2; }

    int *fds = calloc(nsrc, sizeof *fds);
    for (int s = 0; s < nsrc; s++) {
        fds[s] = socket(AF_INET, SOCK_DGRAM, 0);
        int sb = 4 << 20;
        setsockopt(fds[s], SOL_SOCKET, SO_SNDBUF, &sb, sizeof sb);
        if (connect(fds[s], (struct sockaddr *)&dst, sizeof dst) < 0) { perror("connect"); return 2; }
    }
    /* the data sequence of one source: CYCLES times datagrams 1..ndg-1 */
    long per_src = cycles * (ndg - 1);
    long *next = calloc(nsrc, sizeof *next);
    struct mmsghdr msgs[BATCH];
    long sent = 0, errors = 0;
    unsigned long long bytes = 0;
    double t0 = now_s();
    for (int s = 0; s < nsrc; s++) {  /* templates first */
        if (send(fds[s], dg[0].iov_base, dg[0].iov_len, 0) < 0) errors++;
        else { sent++; bytes += dg[0].iov_len; }
    }
    int live = nsrc, s = 0;
    while (live > 0) {
        if (next[s] >= per_src) { s = (s + 1) % nsrc; continue; }
        int k = 0;
        for (; k < BATCH && next[s] + k < per_src; k++) {
            memset(&msgs[k], 0, sizeof msgs[k]);
            msgs[k].msg_hdr.msg_iov = &dg[1 + (next[s] + k) % (ndg - 1)];
            msgs[k].msg_hdr.msg_iovlen = 1;
        }
        int done = 0;
        while (done < k) {
            int r = sendmmsg(fds[s], msgs + done, k - done, 0);
            if (r < 0) {
                if (errno == EINTR) continue;
                if (errno == EAGAIN || errno == ENOBUFS) { usleep(50); continue; }
                errors++;
                break;
            }
            for (int i = done; i < done + r; i++) bytes += msgs[i].msg_len;
            done += r;
        }
        sent += done;
        next[s] += k;
        if (next[s] >= per_src) live--;
        s = (s + 1) % nsrc;
        if (rate > 0) {  /* pace: sleep until this many datagrams are due */
            double ahead = sent / rate - (now_s() - t0);
            if (ahead > 0) {
                struct timespec ts = {(time_t)ahead, (long)((ahead - (time_t)ahead) * 1e9)};
                nanosleep(&ts, NULL);
            }
        }
    }
    double secs = now_s() - t0;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
    printf("{\"datagrams\": %ld, \"bytes\": %llu, \"seconds\": %.6f, \"send_errors\": %ld, \"cpu_s\": %.3f}\n",
           sent, bytes, secs, errors, cpu);
    return 0;
}
