<?php

declare(strict_types=1);

namespace Wxface\Exception;

/**
 * Wxface\Status::INTERNAL: a defect inside wxface (a caught panic). Please report it.
 */
final class InternalException extends WxfaceException
{
}
