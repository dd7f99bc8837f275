import { Router as ReferenceRouter } from '@switchyard/core';
import { implementation, Router as NodeRouter } from '@switchyard/node';
import { routerConformance } from './suite.js';

routerConformance('reference (@switchyard/core)', ReferenceRouter);
routerConformance(`@switchyard/node (${implementation})`, NodeRouter);
