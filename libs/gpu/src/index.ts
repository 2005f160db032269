export * from './errors.ts';
export * from './reservation.ts';
export * from './nvidia-smi.ts';
export * from './budget.ts';
export * from './llm.ts';
export * from './preflight.ts';
export * from './compare.ts';
