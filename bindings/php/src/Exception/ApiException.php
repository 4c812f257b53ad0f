<?php

declare(strict_types=1);

namespace Wxface\Exception;

/**
 * Wxface\Status::API: WeChat Pay responseed with a non-2xx status; getHttpStatus(), getApiCode(),
 * getRequestId() and getDetail() describe the response.
 */
final class ApiException extends WxfaceException
{
}
