import { faultMatrix } from './emulators/fault-matrix.js'

// Faults at another target's public-key read and secret writes.
faultMatrix(['public-key read', 'secret write'])
