/* Loaded with LD_PRELOAD by scripts/measure-idle-memory (ORDERFILE=…) only, never in
 * production: records which 4 KB pages of the executable's code run.
 *
 * Counting resident pages cannot tell: the kernel maps code 64 KB at a time around a fault and
 * caches the file in large folios. So the code is made inaccessible here, and the first run of
 * each page traps once: the handler writes the page's address (relative to the load base, as in
 * the binary's symbol table) to the file named by NICHOIR_TEXT_PAGES, one hexadecimal number a
 * line, and gives the page back its rights. Rust's runtime keeps a handler it finds installed,
 * so its stack-overflow report is off in such a run. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static unsigned long text_start, text_end, load_base;
static int out = -1;

static void on_fault(int sig, siginfo_t *info, void *ctx) {
    (void)ctx;
    unsigned long addr = (unsigned long)info->si_addr;
    if (addr < text_start || addr >= text_end) {
        signal(sig, SIG_DFL); /* a real fault: let it happen again, unhandled */
        return;
    }
    unsigned long page = addr & ~4095UL;
    char line[24];
    int n = 0;
    unsigned long rel = page - load_base;
    char digits[20];
    int d = 0;
    do {
        digits[d++] = "0123456789abcdef"[rel & 15];
        rel >>= 4;
    } while (rel);
    while (d) line[n++] = digits[--d];
    line[n++] = '\n';
    if (write(out, line, n) < 0) { /* nothing to do about it in a handler */ }
    mprotect((void *)page, 4096, PROT_READ | PROT_EXEC);
}

__attribute__((constructor)) static void text_trace(void) {
    const char *path = getenv("NICHOIR_TEXT_PAGES");
    if (!path) return;
    char exe[4096];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len <= 0) return;
    exe[len] = 0;
    FILE *maps = fopen("/proc/self/maps", "r");
    if (!maps) return;
    char line[8192];
    while (fgets(line, sizeof line, maps)) {
        unsigned long start, end, offset;
        char perms[8], file[4096] = "";
        if (sscanf(line, "%lx-%lx %7s %lx %*s %*s %4095s", &start, &end, perms, &offset, file) < 4) continue;
        if (strcmp(file, exe) != 0) continue;
        if (offset == 0 && !load_base) load_base = start;
        if (perms[2] == 'x') {
            text_start = start;
            text_end = end;
        }
    }
    fclose(maps);
    if (!text_start) return;
    out = open(path, O_WRONLY | O_CREAT | O_APPEND | O_TRUNC, 0644);
    if (out < 0) return;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    mprotect((void *)text_start, text_end - text_start, PROT_NONE);
}
