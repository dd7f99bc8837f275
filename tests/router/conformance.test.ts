import { implementations } from '../support/implementations.js';
import { routerConformance } from './suite.js';

for (const { name, Router, canonicalizePath } of implementations) routerConformance(name, Router, canonicalizePath);
