/* A stand-in bcryptprimitives.dll for Wine 8 (Debian 12), which lacks it.
 *
 * Rust's std (1.78 and later) takes its random bytes from ProcessPrng in bcryptprimitives.dll,
 * which Windows 8 and later have. Wine 8 has no such DLL, so every Rust program or DLL built
 * for x86_64-pc-windows-gnu fails to load there. This DLL exports ProcessPrng, answered by
 * RtlGenRandom (advapi32's SystemFunction036), which Wine implements. For tests under Wine
 * only: it is installed into a test Wine prefix by scripts/cross-wine, never shipped. */
#include <windows.h>
#include <ntsecapi.h>

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
    /* RtlGenRandom takes a ULONG (32-bit) length: feed it in chunks. Like the real ProcessPrng,
     * report success; a failure here would otherwise go unnoticed by std, so stop the process
     * rather than hand out unfilled bytes. */
    while (len > 0) {
        ULONG chunk = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (!RtlGenRandom(data, chunk)) {
            ExitProcess(70);
        }
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
