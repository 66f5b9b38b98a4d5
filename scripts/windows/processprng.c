/* Test-only: Wine 8.0's bcryptprimitives.dll lacks ProcessPrng, which Rust's standard library
 * imports for its random numbers (HashMap keys, ids). Real Windows (10 and later) has it. This
 * DLL, placed next to the executables that run under Wine, forwards it to RtlGenRandom
 * (advapi32's SystemFunction036), which Wine has. Built by scripts/wine-run.sh. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
