import type { PartialStrykerOptions } from '@stryker-mutator/api/core';

declare const config: PartialStrykerOptions;
export default config;
