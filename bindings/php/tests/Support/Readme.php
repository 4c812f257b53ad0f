<?php

declare(strict_types=1);

namespace Wxface\Tests\Support;

/** README.md's code blocks, as scripts/readme-block prints them: the tests run them verbatim. */
final class Readme
{
    /** The checkout this package lives in. */
    public static function repo(): string
    {
        return dirname(__DIR__, 4);
    }

    /** The block after `<!-- block: $name -->` in README.md. */
    public static function block(string $name): string
    {
        [$code, $output] = Command::run([self::repo() . '/scripts/readme-block', $name]);
        if ($code !== 0) {
            throw new \RuntimeException("scripts/readme-block {$name} failed: {$output}");
        }

        return $output;
    }
}
