// `node --import` entry that installs deny-hooks.mjs for the whole process.
import { register } from 'node:module';

register('./deny-hooks.mjs', import.meta.url);
