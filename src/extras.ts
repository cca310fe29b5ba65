/**
 * The libraries only some paths need (logging, env files, supervision, packaging). The single-file build
 * bundles them apart (dist/ndc-shim-extras.cjs, embedded as an asset) so that the launch path,
 * which uses none of them, does not pay for parsing them at start-up.
 */
import pino = require('pino');
import pinoPretty = require('pino-pretty');
import dotenv = require('dotenv');
import signalExit = require('signal-exit');
import tarStream = require('tar-stream');

export { dotenv, pino, pinoPretty, signalExit, tarStream };
