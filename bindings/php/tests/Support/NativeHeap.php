<?php

declare(strict_types=1);

namespace Wxface\Tests\Support;

/**
 * Bytes of the C heap in use, from glibc's mallinfo2(): uordblks (allocated in the arenas,
 * all arenas summed) + hblkhd (allocated with mmap). libwxface allocates through the system
 * malloc (Rust's default global allocator); PHP's own values live in the Zend memory
 * manager's chunks, which malloc does not count, so the figure moves only with native
 * allocations. Unlike VmRSS it is exact and does not depend on what the allocator
 * returns to the kernel or on page granularity.
 */
final class NativeHeap
{
    private static ?\FFI $libc = null;

    public static function available(): bool
    {
        return self::libc() !== null;
    }

    public static function bytesInUse(): int
    {
        $libc = self::libc() ?? throw new \RuntimeException('mallinfo2() needs glibc >= 2.33');
        $info = $libc->mallinfo2();

        return $info->uordblks + $info->hblkhd;
    }

    private static function libc(): ?\FFI
    {
        if (self::$libc === null) {
            try {
                self::$libc = \FFI::cdef(
                    'struct mallinfo2 { size_t arena, ordblks, smblks, hblks, hblkhd,'
                    . ' usmblks, fsmblks, uordblks, fordblks, keepcost; };'
                    . ' struct mallinfo2 mallinfo2(void);',
                    'libc.so.6',
                );
            } catch (\FFI\Exception) {
                return null;
            }
        }

        return self::$libc;
    }
}
