<?php

declare(strict_types=1);

namespace Wxface\Exception;

/**
 * Wxface\Status::RESPONSE: a 2xx response that does not fit the operation (unexpected status,
 * body, body over the size limit).
 */
final class ResponseException extends WxfaceException
{
}
