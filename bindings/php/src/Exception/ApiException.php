<?php

declare(strict_types=1);

namespace Wxface\Exception;

/**
 * Status 6 (Wxface\Status::API): WeChat Pay answered with a non-2xx status; getHttpStatus(), getApiCode(), getRequestId() and getDetail() describe the answer.
 */
final class ApiException extends WxfaceException
{
}
