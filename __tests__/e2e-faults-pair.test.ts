import { faultMatrix } from './emulators/fault-matrix.js'

// Faults at one secret of a pair, and at the workflow's own public-key read.
faultMatrix(['one secret of a pair', 'own public-key read'])
