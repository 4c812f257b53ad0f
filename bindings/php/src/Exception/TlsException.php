<?php

declare(strict_types=1);

namespace Wxface\Exception;

/**
 * Wxface\Status::TLS: the TLS handshake failed or the server certificate is not trusted (see
 * root_ca_pem / root_ca_file).
 */
final class TlsException extends WxfaceException
{
}
