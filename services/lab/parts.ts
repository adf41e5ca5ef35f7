/** The emulated course servers, by the name `socklab lab --only NAME` takes. */
export const LAB_PARTS = ['pmu-tcp', 'pmu-udp', 'tv', 'pmu-ws'] as const;
export type LabPart = (typeof LAB_PARTS)[number];

export function isLabPart(name: string): name is LabPart {
  return (LAB_PARTS as readonly string[]).includes(name);
}
