<?php

declare(strict_types=1);

namespace Wxface\Exception;

/**
 * Wxface\Status::SIGNATURE: a 2xx response could not be trusted: signature headers missing,
 * signature wrong, unknown Wechatpay-Serial, or a timestamp more than 300 s from the local clock.
 */
final class SignatureException extends WxfaceException
{
}
