// Rules over a parsed service and the inventory it is placed in. Each returns issues; none throws.
import { parseImage, publishedPorts, variableRefs, type ComposeFile } from './compose.ts';
import type { ConfigIssue } from './errors.ts';
import type { Inventory } from './inventory-schema.ts';
import type { LoadedService } from './load.ts';
import { inventoryFile } from './placement.ts';

/** Variables render fills from the host; a compose file may use them freely. */
export const hostVariables = ['DATA_ROOT', 'CONFIG_ROOT', 'CONFIG_BASE', 'PUID', 'PGID', 'TZ', 'HOST_ADDRESS'] as const;

export const webProxyNetwork = 'web_proxy';

export type Rule = (service: LoadedService, inventory: Inventory, all: LoadedService[]) => ConfigIssue[];

// Images must carry a released tag or a digest: never `latest`, never none.
export const imagesPinned: Rule = (svc) =>
  Object.entries(svc.compose.services).flatMap(([name, def]) => {
    const ref = parseImage(def.image);
    if (ref.digest) return [];
    if (ref.tag && ref.tag !== 'latest' && !/^\$\{/.test(ref.tag)) return [];
    return [
      {
        file: svc.files.compose,
        path: `services.${name}.image`,
        message: ref.tag ? `image "${def.image}" uses the "latest" tag` : `image "${def.image}" has no tag (it means "latest")`,
        hint: `pin a released version, e.g. ${ref.repository}:1.2.3, so deploys are repeatable and Renovate can propose updates`,
      },
    ];
  });

// Every container needs a compose healthcheck so Docker and the deploy gate can see it is ready.
export const healthchecksPresent: Rule = (svc) =>
  Object.entries(svc.compose.services).flatMap(([name, def]) =>
    (def.healthcheck?.test && !def.healthcheck.disable && !(Array.isArray(def.healthcheck.test) && def.healthcheck.test[0] === 'NONE')) ||
    name in svc.spec.healthcheckExemptions
      ? []
      : [
          {
            file: svc.files.compose,
            path: `services.${name}.healthcheck`,
            message: 'no healthcheck',
            hint: 'add healthcheck.test that asks the application itself, e.g. ["CMD", "wget", "-qO-", "http://127.0.0.1:8080/health"]',
          },
        ],
  );

// The service must sit on a host of the inventory that runs Docker.
export const hostExists: Rule = (svc, inv) => {
  const host = inv.hosts[svc.spec.host];
  if (!host)
    return [
      {
        file: svc.files.service,
        path: 'host',
        message: `host "${svc.spec.host}" is not in inventory "${inv.name}"`,
        hint: `use one of: ${Object.keys(inv.hosts).join(', ')}`,
      },
    ];
  if (!host.docker)
    return [
      {
        file: svc.files.service,
        path: 'host',
        message: `host "${svc.spec.host}" runs no Docker (${host.file}: docker: false)`,
        hint: 'place the service on a Docker host such as ocean',
      },
    ];
  return [];
};

// A GPU service only goes to a host that has a GPU.
export const gpuHost: Rule = (svc, inv) => {
  const host = inv.hosts[svc.spec.host];
  if (!svc.spec.gpu || !host || host.gpu) return [];
  return [
    {
      file: svc.files.service,
      path: 'gpu',
      message: `needs a GPU but host "${host.name}" has none (${host.file} has no gpu)`,
      hint: 'place it on a GPU host (ocean has the RTX 3090) or drop the gpu block',
    },
  ];
};

// Two services on one host must not publish the same host port (nor one service twice).
export const noPortClash: Rule = (svc, inv, all) => {
  const issues: ConfigIssue[] = [];
  const mine = publishedPorts(svc.compose);
  const seen = new Map<string, string>();
  for (const p of mine) {
    const key = `${p.port}/${p.protocol}`;
    const other = seen.get(key);
    if (other)
      issues.push({
        file: svc.files.compose,
        path: `services.${p.service}.ports`,
        message: `host port ${key} is published twice (also by ${other})`,
        hint: 'publish each host port once',
      });
    seen.set(key, p.service);
  }
  for (const other of all) {
    if (other.name === svc.name || other.spec.host !== svc.spec.host || !inv.hosts[svc.spec.host]) continue;
    const theirs = new Set(publishedPorts(other.compose).map((p) => `${p.port}/${p.protocol}`));
    for (const p of mine) {
      if (theirs.has(`${p.port}/${p.protocol}`) && overlaps(p.hostIp, publishedPorts(other.compose), p.port, p.protocol)) {
        issues.push({
          file: svc.files.compose,
          path: `services.${p.service}.ports`,
          message: `host port ${p.port}/${p.protocol} on ${svc.spec.host} is also published by service "${other.name}" (${other.files.compose})`,
          hint: 'pick a free host port, or reach the service through the web_proxy network instead of a published port',
        });
      }
    }
  }
  return issues;
};

function overlaps(hostIp: string, others: ReturnType<typeof publishedPorts>, port: number, protocol: string): boolean {
  return others.some(
    (o) => o.port === port && o.protocol === protocol && (o.hostIp === hostIp || o.hostIp === '0.0.0.0' || hostIp === '0.0.0.0'),
  );
}

// Compose services named by service.ts (exposure, gpu, container and exec probes) must exist.
export const namedComposeServicesExist: Rule = (svc) => {
  const names = Object.keys(svc.compose.services);
  const check = (name: string, path: string): ConfigIssue[] =>
    names.includes(name)
      ? []
      : [
          {
            file: svc.files.service,
            path,
            message: `compose service "${name}" does not exist in ${svc.files.compose}`,
            hint: `use one of: ${names.join(', ')}`,
          },
        ];
  const issues: ConfigIssue[] = [];
  if (svc.spec.exposure) issues.push(...check(svc.spec.exposure.service, 'exposure.service'));
  if (svc.spec.gpu) issues.push(...check(svc.spec.gpu.service, 'gpu.service'));
  for (const [i, name] of (svc.spec.rollout?.services ?? []).entries()) issues.push(...check(name, `rollout.services.${i}`));
  svc.spec.health.probes.forEach((p, i) => {
    if (p.type === 'container' || p.type === 'exec') issues.push(...check(p.service, `health.probes.${i}.service`));
    if (p.type === 'http' && p.container) issues.push(...check(p.container, `health.probes.${i}.container`));
  });
  return issues;
};

// A probe over the network needs its port published on the host.
export const probesReachable: Rule = (svc) => {
  const published = new Set(
    publishedPorts(svc.compose)
      .filter((p) => p.protocol === 'tcp')
      .map((p) => p.port),
  );
  return svc.spec.health.probes.flatMap((p, i) =>
    (p.type === 'http' && !p.container) || p.type === 'tcp'
      ? published.has(p.port)
        ? []
        : [
            {
              file: svc.files.service,
              path: `health.probes.${i}.port`,
              message: `port ${p.port} is not published by ${svc.files.compose}, so the probe cannot reach it`,
              hint: `publish it ("${p.port}:${p.port}") or probe from inside the container with container: "<compose service>"`,
            },
          ]
      : [],
  );
};

// Every ${VAR} in compose is a host variable, a declared secret, or has a default.
export const variablesDeclared: Rule = (svc) =>
  variableRefs(svc.composeText)
    .filter((ref) => !ref.hasDefault && !(hostVariables as readonly string[]).includes(ref.name) && !svc.spec.secrets.includes(ref.name))
    .map((ref) => ({
      file: svc.files.compose,
      path: '',
      message: `$${ref.name} is neither a host variable (${hostVariables.join(', ')}) nor a secret named in ${svc.files.service}`,
      hint: `add "${ref.name}" to secrets in ${svc.files.service}, or give it a default: \${${ref.name}:-value}`,
    }));

// A secret delivered as a file is a declared secret, and the compose file mounts it as a top-level
// secret with file: ./secrets/<NAME> (the only files under secrets/ a release holds).
export const secretFilesDeclared: Rule = (svc) => {
  const sources = Object.entries(svc.compose.secrets ?? {}).map(([key, def]) => [key, def?.file?.replace(/^\.\//, '')] as const);
  const undeclared = Object.keys(svc.spec.secretFiles)
    .filter((name) => !svc.spec.secrets.includes(name))
    .map((name) => ({
      file: svc.files.service,
      path: `secretFiles.${name}`,
      message: `${name} is not named in secrets`,
      hint: `add "${name}" to secrets in ${svc.files.service}`,
    }));
  const unmounted = Object.keys(svc.spec.secretFiles)
    .filter((name) => !sources.some(([, file]) => file === `secrets/${name}`))
    .map((name) => ({
      file: svc.files.compose,
      path: 'secrets',
      message: `no top-level secret reads ./secrets/${name}`,
      hint: `add secrets: { ${name.toLowerCase()}: { file: ./secrets/${name} } } and list it under the service's secrets`,
    }));
  const unknown = sources
    .flatMap(([key, file]) =>
      file?.startsWith('secrets/') && !(file.slice('secrets/'.length) in svc.spec.secretFiles) ? [[key, file] as const] : [],
    )
    .map(([key, file]) => ({
      file: svc.files.compose,
      path: `secrets.${key}.file`,
      message: `./${file} is not a secret file of ${svc.files.service}`,
      hint: `add ${file.slice('secrets/'.length)} to secretFiles in ${svc.files.service} with the uid that reads it`,
    }));
  return [...undeclared, ...unmounted, ...unknown];
};

// The source compose must not define web_proxy itself: it is the host's shared external network.
export const webProxyNotRedefined: Rule = (svc) => {
  const net = svc.compose.networks?.[webProxyNetwork];
  if (!net || (net as { external?: unknown }).external === true) return [];
  return [
    {
      file: svc.files.compose,
      path: `networks.${webProxyNetwork}`,
      message: 'web_proxy is defined as a private network',
      hint: 'remove it (render attaches exposed services to the shared external web_proxy network) or mark it external: true',
    },
  ];
};

// Dependencies name real services.
export const dependenciesExist: Rule = (svc, _inv, all) =>
  svc.spec.dependsOn
    .filter((d) => !all.some((s) => s.name === d))
    .map((d) => ({
      file: svc.files.service,
      path: 'dependsOn',
      message: `depends on unknown service "${d}"`,
      hint: 'name a package under packages/',
    }));

// On the host's network a service's `ports` are discarded by Docker, and it cannot join web_proxy.
export const hostNetworkConsistent: Rule = (svc) =>
  Object.entries(svc.compose.services).flatMap(([name, def]) => {
    if (def.network_mode !== 'host') return [];
    const issues: ConfigIssue[] = [];
    if (def.ports?.length)
      issues.push({
        file: svc.files.compose,
        path: `services.${name}.ports`,
        message: 'ports are discarded with network_mode: host (the service listens on the host directly)',
        hint: 'list the ports it listens on under expose ("53/udp", "8053") instead, so clashes and probes can be checked',
      });
    if (!def.expose?.length)
      issues.push({
        file: svc.files.compose,
        path: `services.${name}.expose`,
        message: 'a service on the host network must list the ports it listens on under expose',
        hint: 'e.g. expose: ["53/tcp", "53/udp", "8053/tcp"]',
      });
    if (svc.spec.exposure && svc.spec.exposure.service === name)
      issues.push({
        file: svc.files.service,
        path: 'exposure',
        message: `${name} uses network_mode: host, so it cannot join the web_proxy network the reverse proxy reaches it on`,
        hint: 'use a bridge network with ports, or drop exposure',
      });
    return issues;
  });

// A public domain routes to one service: two services claiming it would take each other's traffic.
export const domainsUnique: Rule = (svc, _inv, all) => {
  const domain = svc.spec.exposure?.domain;
  if (!domain) return [];
  return all
    .filter((other) => other.name !== svc.name && other.spec.exposure?.domain === domain)
    .map((other) => ({
      file: svc.files.service,
      path: 'exposure.domain',
      message: `${domain} is also the domain of service "${other.name}" (${other.files.service})`,
      hint: 'give each service its own domain',
    }));
};

// A private image the repository cannot name: the compose image is a placeholder that the inventory's
// `images:` maps to the user's image. Until it does, the service is skipped (placement.ts says the line
// to add); once it does, the image must be pinned.
export const inventoryImagesNamed: Rule = (svc, inv) =>
  Object.entries(svc.spec.imagesFromInventory).flatMap(([name]) => {
    const placeholder = svc.compose.services[name]?.image;
    const mapped = placeholder ? inv.images[placeholder] : undefined;
    if (!mapped) return [];
    const ref = parseImage(mapped);
    if (ref.digest || (ref.tag && ref.tag !== 'latest')) return [];
    return [
      {
        file: inventoryFile(inv),
        path: `images["${placeholder}"]`,
        message: `${svc.name}'s image "${mapped}" ${ref.tag ? 'uses the "latest" tag' : 'has no tag (it means "latest")'}`,
        hint: `pin a released version: "${placeholder}": ${ref.repository}:1.2.3`,
      },
    ];
  });

// The registry login's user name and password are secrets of the service.
export const registryLoginSecretsDeclared: Rule = (svc) => {
  const login = svc.spec.registryLogin;
  if (!login) return [];
  return (['username', 'password'] as const)
    .filter((field) => !svc.spec.secrets.includes(login[field]))
    .map((field) => ({
      file: svc.files.service,
      path: `registryLogin.${field}`,
      message: `"${login[field]}" is not one of the service's secrets`,
      hint: `add "${login[field]}" to secrets in ${svc.files.service}`,
    }));
};

export const serviceRules: Rule[] = [
  imagesPinned,
  inventoryImagesNamed,
  registryLoginSecretsDeclared,
  healthchecksPresent,
  hostExists,
  gpuHost,
  noPortClash,
  namedComposeServicesExist,
  probesReachable,
  variablesDeclared,
  secretFilesDeclared,
  webProxyNotRedefined,
  dependenciesExist,
  hostNetworkConsistent,
  domainsUnique,
];

// Runs every rule on one service.
export function checkService(svc: LoadedService, inventory: Inventory, all: LoadedService[]): ConfigIssue[] {
  return serviceRules.flatMap((rule) => rule(svc, inventory, all));
}

// On rendered output: an exposed service must be attached to the external web_proxy network.
export function exposedOnWebProxy(svc: LoadedService, rendered: ComposeFile, file: string): ConfigIssue[] {
  if (!svc.spec.exposure) return [];
  const name = svc.spec.exposure.service;
  const nets = rendered.services[name]?.networks;
  const attached = Array.isArray(nets) ? nets.includes(webProxyNetwork) : nets !== undefined && webProxyNetwork in nets;
  const external = (rendered.networks?.[webProxyNetwork] as { external?: unknown } | null | undefined)?.external === true;
  return attached && external
    ? []
    : [
        {
          file,
          path: `services.${name}.networks`,
          message: 'exposed service is not on the external web_proxy network',
          hint: 'the proxy reaches services only over web_proxy',
        },
      ];
}
