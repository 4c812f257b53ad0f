<?php

/*
 * The start-up floor of php-cgi in the cold-start benchmark (bench/src/cold.rs): a request
 * that runs no code, so that its row is what PHP itself costs before cold_call.php starts.
 */

declare(strict_types=1);
