<?php

declare(strict_types=1);

namespace Wxface;

/**
 * The C API's status codes (wxface_status, ABI 1). Values are ABI: never renumbered, never reused.
 * WxfaceException::getStatus() returns one of the error values.
 */
final class Status
{
    public const OK = 0;
    public const INVALID_ARGUMENT = 1;
    public const CONFIG = 2;
    public const NETWORK = 3;
    public const TIMEOUT = 4;
    public const TLS = 5;
    public const API = 6;
    public const SIGNATURE = 7;
    public const RESPONSE = 8;
    public const INTERNAL = 9;

    private function __construct()
    {
    }
}
