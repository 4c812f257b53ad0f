<?php

declare(strict_types=1);

namespace Wxface\Exception;

use Wxface\Status;

/**
 * The wxface shared library cannot be used: the FFI extension is missing, ffi.enable forbids
 * FFI::cdef here, no candidate library loaded, or the loaded one has another ABI generation.
 * The message says which php.ini setting or path to fix. getStatus() is Status::OK (no call
 * reported a status).
 */
final class LibraryException extends WxfaceException
{
    public static function because(string $message): self
    {
        return new self($message, Status::OK);
    }
}
