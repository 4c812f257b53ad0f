<?php

declare(strict_types=1);

namespace Wxface\Exception;

/**
 * Wxface\Status::NETWORK: DNS failure, connection refused or reset, or the connection closed
 * before a complete response.
 */
final class NetworkException extends WxfaceException
{
}
