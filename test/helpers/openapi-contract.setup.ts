import { assertResponsesMatchDocument } from './openapi-contract';

afterEach(async () => {
  await assertResponsesMatchDocument();
});
