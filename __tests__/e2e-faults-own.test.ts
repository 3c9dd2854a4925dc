import { faultMatrix, halfWrittenPairs } from './emulators/fault-matrix.js'

// Faults at the workflow's own secret write, deactivating and deleting.
faultMatrix(['own secret write', 'deactivate', 'delete'])
halfWrittenPairs()
