import { faultMatrix } from './emulators/fault-matrix.js'

// Faults at create, mark, verify.
faultMatrix(['create', 'mark', 'verify'])
