<?php

declare(strict_types=1);

namespace Wxface\Exception;

/**
 * Wxface\Status::TIMEOUT: the connect or whole-request deadline (connect_timeout_ms,
 * request_timeout_ms) passed.
 */
final class TimeoutException extends WxfaceException
{
}
