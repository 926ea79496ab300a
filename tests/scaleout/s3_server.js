// Starts an S3-compatible server (@20minutes/s3rver, which verifies Signature V4) for the
// scaleout tests: node s3_server.js DIR PORT_FILE [BUCKET...]. Binds 127.0.0.1 on a free
// port, creates the buckets, writes the port to PORT_FILE once listening, and runs until
// SIGTERM/SIGINT. Credentials: the dummy account S3RVER / S3RVER.
'use strict'
const fs = require('node:fs')
const path = require('node:path')
const S3rver = require('@20minutes/s3rver')
const FilesystemStore = require('@20minutes/s3rver/lib/stores/filesystem')

// s3rver's deleteObject then removes the key's directories that look empty, with a check
// followed by a recursive rm: an object PUT into the same directory in between vanishes
// (seen as a 404 on a just-written tmp/ key under concurrent uploads). S3 has no
// directories: delete the object's files only and leave the directories.
FilesystemStore.prototype.deleteObject = async function deleteObject(bucket, key) {
  await Promise.all(
    ['object', 'object.md5', 'metadata.json'].map((resource) =>
      fs.promises.unlink(this.getResourcePath(bucket, key, resource)).catch((err) => {
        if (err.code !== 'ENOENT') throw err
      })
    )
  )
}

async function main() {
  const [dir, portFile, ...buckets] = process.argv.slice(2)
  if (!dir || !portFile) {
    console.error('usage: node s3_server.js DIR PORT_FILE [BUCKET...]')
    process.exit(2)
  }
  fs.mkdirSync(dir, { recursive: true })
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: dir,
    vhostBuckets: false,
    configureBuckets: buckets.map((name) => ({ name, configs: [] })),
  })
  const { port } = await server.run()
  const tmp = `${portFile}.tmp`
  fs.writeFileSync(tmp, `${port}\n`)
  fs.renameSync(tmp, portFile)
  const stop = () => server.close().then(() => process.exit(0))
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}

main().catch((err) => {
  console.error(`s3_server: ${err.stack || err}`)
  process.exit(1)
})
