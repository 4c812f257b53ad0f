<?php

declare(strict_types=1);

namespace Wxface\Exception;

/**
 * Status 8 (Wxface\Status::RESPONSE): a 2xx answer that does not fit the operation (unexpected status, body, body over the size limit).
 */
final class ResponseException extends WxfaceException
{
}
