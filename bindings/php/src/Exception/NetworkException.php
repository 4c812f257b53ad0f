<?php

declare(strict_types=1);

namespace Wxface\Exception;

/**
 * Status 3 (Wxface\Status::NETWORK): DNS failure, connection refused or reset, or the connection closed before a complete answer.
 */
final class NetworkException extends WxfaceException
{
}
