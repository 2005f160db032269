import { defineService } from '@homelab/model';

// TinaCMS runs from the user's private image on Docker Hub (ROADMAP.md): compose.yaml names a
// placeholder, and the production inventory's `images:` maps it to the real, pinned image:
//   images:
//     "private/tinacms:from-inventory": <dockerhub-user>/<repository>:<tag>
// Until then every command lists it as skipped with that one line to add (and the rest deploys).
export default defineService({
  description: 'TinaCMS: Git-backed CMS from the user private Docker Hub image',
  host: 'ocean',
  category: 'cloud',
  imagesFromInventory: { tinacms: "the user's private TinaCMS image on Docker Hub" },
  // The pull logs in to Docker Hub with these (a Docker Hub access token with read-only scope):
  //   echo -n '<user>' | npx homelab vault set tinacms TINACMS_REGISTRY_USERNAME
  //   npx homelab vault set tinacms TINACMS_REGISTRY_TOKEN   (the value on stdin, never an argument)
  secrets: ['TINACMS_REGISTRY_USERNAME', 'TINACMS_REGISTRY_TOKEN'],
  registryLogin: { username: 'TINACMS_REGISTRY_USERNAME', password: 'TINACMS_REGISTRY_TOKEN' },
  // tina.terrac.com is the roadmap's external URL (and `tina` is in the zone). The roadmap names no
  // Access policy for it; its editor is for the site's admins, so Access is admin.
  exposure: { port: 3000, domain: 'tina.terrac.com', access: 'admin', maxBodySize: '50m' },
  health: {
    probes: [
      // The GraphQL endpoint of Tina's backend (/api/tina/gql, POST) answers a schema query; asked from
      // inside the container since the probe needs a POST body.
      {
        type: 'exec',
        service: 'tinacms',
        command: [
          'node',
          '-e',
          "fetch('http://127.0.0.1:3000/api/tina/gql',{method:'POST',headers:{'content-type':'application/json'},body:JSON.stringify({query:'{__schema{queryType{name}}}'})}).then(async r=>{console.log(r.status+' '+(await r.text()))},e=>{console.log(String(e));process.exit(1)})",
        ],
        expectOutput: '^200 \\{"data":\\{"__schema":\\{"queryType":\\{"name":"Query"\\}\\}\\}\\}',
      },
    ],
    timeoutSeconds: 180,
  },
  backups: {
    volumes: ['${DATA_ROOT}/tinacms/content', '${DATA_ROOT}/tinacms/uploads'],
  },
});
