<?php

declare(strict_types=1);

namespace Wxface\Exception;

/**
 * Wxface\Status::INVALID_ARGUMENT: an argument was rejected before anything was sent: a string
 * with a NUL byte, invalid UTF-8, an empty or ill-formed id.
 */
final class InvalidArgumentException extends WxfaceException
{
}
