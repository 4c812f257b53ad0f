<?php

declare(strict_types=1);

namespace Wxface\Exception;

/**
 * Wxface\Status::CONFIG: the configuration is incomplete or unreadable: bad PEM, missing mchid,
 * unknown key, bad URL, unreadable file. The message names the key.
 */
final class ConfigException extends WxfaceException
{
}
