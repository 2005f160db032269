import { defineService } from '@homelab/model';

export default defineService({
  description: 'Open WebUI: chat interface configured for the llama.cpp API',
  host: 'ocean',
  category: 'ai',
  secrets: ['WEBUI_SECRET_KEY'],
  exposure: {
    port: 8080,
    domain: 'chat.terrac.com',
    access: 'admin',
    // Answers stream over a websocket; documents are uploaded for RAG.
    websockets: true,
    maxBodySize: '100m',
  },
  health: {
    probes: [{ type: 'http', port: 3000, path: '/health', expectJson: { status: true } }],
    timeoutSeconds: 180,
  },
  backups: { volumes: ['${CONFIG_ROOT}/data'] },
  dependsOn: ['llama-cpp'],
});
