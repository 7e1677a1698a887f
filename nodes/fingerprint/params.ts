export type FingerprintParams = Record<string, never>;

export const paramsSchema = { type: 'object', properties: {}, additionalProperties: false } as const;
