import net from 'node:net';
import forge from 'node-forge';

/** Subject fields, named as `openssl req` asks for them. */
export interface SubjectFields {
  country?: string;
  state?: string;
  locality?: string;
  org?: string;
  unit?: string;
  cn?: string;
  email?: string;
}

export const SUBJECT_PROMPTS: ReadonlyArray<{ field: keyof SubjectFields; prompt: string; shortName: string }> = [
  { field: 'country', prompt: 'Country Name (2 letter code)', shortName: 'C' },
  { field: 'state', prompt: 'State or Province Name (full name)', shortName: 'ST' },
  { field: 'locality', prompt: 'Locality Name (eg, city)', shortName: 'L' },
  { field: 'org', prompt: 'Organization Name (eg, company)', shortName: 'O' },
  { field: 'unit', prompt: 'Organizational Unit Name (eg, section)', shortName: 'OU' },
  { field: 'cn', prompt: 'Common Name (e.g. server FQDN or YOUR name)', shortName: 'CN' },
  { field: 'email', prompt: 'Email Address', shortName: 'E' },
];

export function subjectAttributes(fields: SubjectFields): forge.pki.CertificateField[] {
  return SUBJECT_PROMPTS.filter(({ field }) => fields[field]).map(({ field, shortName }) =>
    shortName === 'E' ? { name: 'emailAddress', value: fields[field]! } : { shortName, value: fields[field]! },
  );
}

/** "DNS:host", "IP:addr", or a bare name or address. */
export function altName(value: string): { type: number; value?: string; ip?: string } {
  const [prefix, rest] = value.includes(':') && /^(DNS|IP):/i.test(value) ? [value.slice(0, value.indexOf(':')).toUpperCase(), value.slice(value.indexOf(':') + 1)] : ['', value];
  if (prefix === 'IP' || (prefix === '' && net.isIP(rest) !== 0)) return { type: 7, ip: rest };
  return { type: 2, value: rest };
}

export function describeName(attributes: forge.pki.CertificateField[]): string {
  return attributes.map((attribute) => `${attribute.shortName ?? attribute.name}=${String(attribute.value)}`).join(', ');
}

interface AltName {
  type: number;
  value?: string;
  ip?: string;
}

/** The subjectAltName entries of a certificate or CSR extension list. */
export function altNamesOf(extensions: ReadonlyArray<{ name?: string; altNames?: AltName[] }> | undefined): AltName[] {
  return extensions?.find((extension) => extension.name === 'subjectAltName')?.altNames ?? [];
}
