import { canonicalizePath as coreCanonicalize, Router as ReferenceRouter } from '@switchyard/core';
import { implementation, Router as NodeRouter, canonicalizePath as nodeCanonicalize } from '@switchyard/node';
import { routerConformance } from './suite.js';

routerConformance('reference (@switchyard/core)', ReferenceRouter, coreCanonicalize);
routerConformance(`@switchyard/node (${implementation})`, NodeRouter, nodeCanonicalize);
