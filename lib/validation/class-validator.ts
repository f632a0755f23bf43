import { isInstalled, loadOptionalPeer } from '../core/optional-peer.js';

/** Whether class-validator is installed (the Nest module's `validation` option defaults to that). */
export function isClassValidatorInstalled(): boolean {
  return isInstalled('class-validator');
}

/** class-validator, loaded on first use. */
export function classValidator(): typeof import('class-validator') {
  return loadOptionalPeer('class-validator', 'Message validation (turn it off with { validation: false })');
}
